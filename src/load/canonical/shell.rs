//! Splits a command string into words as the reference does (it uses go-shellwords): quotes
//! and backslashes as in a shell, no expansion, and the line ends at the first unquoted shell
//! operator, so `echo a && echo b` runs `echo a`.

/// The words of a command line, and what the reference leaves out of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub words: Vec<String>,
    /// The rest of the line from the first unquoted `;`, `&`, `|`, `<` or `>` on (with the
    /// file descriptor of a redirection such as `2>&1`): no part of the command.
    pub dropped: Option<String>,
}

#[derive(Default)]
struct State {
    escaped: bool,
    single: bool,
    double: bool,
    backtick: bool,
    /// Inside `$( ... )`.
    dollar: bool,
}

impl State {
    fn quoted(&self) -> bool {
        self.single || self.double || self.backtick || self.dollar
    }
}

pub fn split(s: &str) -> Result<Words, String> {
    let mut words = Vec::new();
    let mut buf = String::new();
    // A word is under way, also an empty one written as `''`.
    let mut got = false;
    let mut word_start = 0;
    let mut dropped = None;
    let mut st = State::default();
    for (i, c) in s.char_indices() {
        if !got {
            word_start = i;
        }
        if st.escaped {
            buf.push(match c {
                't' => '\t',
                'n' => '\n',
                c => c,
            });
            st.escaped = false;
            got = true;
            continue;
        }
        if c == '\\' {
            if st.single {
                buf.push(c);
            } else {
                st.escaped = true;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if st.quoted() {
                buf.push(c);
            } else if got {
                words.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match c {
            '`' if !st.single && !st.double && !st.dollar => st.backtick = !st.backtick,
            ')' if !st.single && !st.double && !st.backtick => st.dollar = !st.dollar,
            '(' if !st.single && !st.double && !st.backtick => {
                if st.dollar || !buf.ends_with('$') {
                    return Err(invalid(s, "a parenthesis outside quotes"));
                }
                st.dollar = true;
                buf.push(c);
                continue;
            }
            '"' if !st.single && !st.dollar => {
                got |= st.double;
                st.double = !st.double;
                continue;
            }
            '\'' if !st.double && !st.dollar => {
                got |= st.single;
                st.single = !st.single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !st.quoted() => {
                let mut from = i;
                // `2>` redirects a file descriptor: the digits go with the operator.
                if c == '>' && !buf.is_empty() && buf.bytes().all(|b| b.is_ascii_digit()) {
                    buf.clear();
                    got = false;
                    from = word_start;
                }
                dropped = Some(s[from..].to_string());
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(c);
    }
    if got {
        words.push(buf);
    }
    if st.escaped || st.quoted() {
        return Err(invalid(s, "an unclosed quote"));
    }
    Ok(Words { words, dropped })
}

fn invalid(s: &str, what: &str) -> String {
    format!("invalid command line string: {what} in {s:?}")
}

#[cfg(test)]
mod tests {
    use super::split;

    fn words(s: &str) -> Vec<String> {
        split(s).unwrap().words
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(words(r#"echo "hi there" 'x y'"#), ["echo", "hi there", "x y"]);
        assert_eq!(words("bundle exec thin -p 3000"), ["bundle", "exec", "thin", "-p", "3000"]);
        assert_eq!(words(r#"a\ b "c\"d" '' "#), ["a b", "c\"d", ""]);
        assert!(split("echo 'oops").is_err());
    }

    /// Observed with the reference's `config --format json` (and in the Cmd of the container
    /// its `up` creates): the line ends at an unquoted operator.
    #[test]
    fn ends_at_an_unquoted_operator_as_the_reference() {
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            ("echo a && echo b", &["echo", "a"], Some("&& echo b")),
            ("echo a; echo b", &["echo", "a"], Some("; echo b")),
            ("echo a|cat", &["echo", "a"], Some("|cat")),
            ("echo a > /f", &["echo", "a"], Some("> /f")),
            ("echo a 2>&1", &["echo", "a"], Some("2>&1")),
            ("echo 12>f", &["echo"], Some("12>f")),
            ("echo a1>f", &["echo", "a1"], Some(">f")),
            ("echo 1<f", &["echo", "1"], Some("<f")),
            ("; echo", &[], Some("; echo")),
            ("echo 'a;b' \"c|d\" e\\;f", &["echo", "a;b", "c|d", "e;f"], None),
        ];
        for (line, want, dropped) in cases {
            let got = split(line).unwrap();
            assert_eq!(got.words, *want, "{line}");
            assert_eq!(got.dropped.as_deref(), *dropped, "{line}");
        }
    }

    #[test]
    fn escapes_substitutions_and_parentheses_as_the_reference() {
        assert_eq!(words(r#"echo a\tb \n "\t\a\$" 'a\nb'"#), ["echo", "a\tb", "\n", "\ta$", "a\\nb"]);
        assert_eq!(words("echo $(a 'b c') `d e` f"), ["echo", "$(a 'b c')", "`d e`", "f"]);
        assert_eq!(words(r#"echo "a)" '(' \("#), ["echo", "a)", "(", "("]);
        for bad in ["echo a)", "echo x(", "echo $((1+2))", "echo `a", "echo a\\"] {
            assert!(split(bad).is_err(), "{bad}");
        }
    }
}
