//! Splits a command string into words the way a POSIX shell would, without expansion.

pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                single_quoted(&mut chars, &mut cur).ok_or_else(|| unclosed(s))?;
            }
            '"' => {
                in_word = true;
                double_quoted(&mut chars, &mut cur).ok_or_else(|| unclosed(s))?;
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

fn unclosed(s: &str) -> String {
    format!("invalid command line string: unclosed quote in {s:?}")
}

fn single_quoted(chars: &mut std::str::Chars<'_>, cur: &mut String) -> Option<()> {
    for c in chars.by_ref() {
        if c == '\'' {
            return Some(());
        }
        cur.push(c);
    }
    None
}

fn double_quoted(chars: &mut std::str::Chars<'_>, cur: &mut String) -> Option<()> {
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(()),
            '\\' => match chars.next()? {
                n @ ('"' | '\\' | '$' | '`') => cur.push(n),
                n => {
                    cur.push('\\');
                    cur.push(n);
                }
            },
            c => cur.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split(r#"echo "hi there" 'x y'"#).unwrap(),
            ["echo", "hi there", "x y"]
        );
        assert_eq!(
            split("bundle exec thin -p 3000").unwrap(),
            ["bundle", "exec", "thin", "-p", "3000"]
        );
        assert_eq!(split(r#"a\ b "c\"d" ''"#).unwrap(), ["a b", "c\"d", ""]);
        assert!(split("echo 'oops").is_err());
    }
}
