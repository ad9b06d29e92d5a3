//! The glob patterns of `.dockerignore`: Go's `filepath.Match` syntax plus `**`.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**` before more pattern: nothing, or anything ending in `/`.
    Dirs,
    /// `**` at the end: anything.
    Rest,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    pub(super) fn new(text: &str) -> std::result::Result<Pattern, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' if chars.get(i) == Some(&'*') => {
                    i += 1;
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    tokens.push(if i == chars.len() {
                        Token::Rest
                    } else {
                        Token::Dirs
                    });
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::One),
                '\\' => {
                    tokens.push(Token::Char(chars.get(i).copied().unwrap_or('\\')));
                    i += 1;
                }
                '[' => {
                    let (token, next) = class(&chars, i)?;
                    tokens.push(token);
                    i = next;
                }
                c => tokens.push(Token::Char(c)),
            }
        }
        Ok(Pattern { tokens })
    }

    pub(super) fn matches(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        match_tokens(&self.tokens, &chars)
    }
}

/// A `[...]` class starting after the `[` at `start`; returns the token and the index after `]`.
fn class(chars: &[char], start: usize) -> std::result::Result<(Token, usize), String> {
    let mut i = start;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or("unterminated character class")?;
        i += 1;
        let lo = match c {
            ']' if !first => return Ok((Token::Class { negated, ranges }, i)),
            '\\' => {
                i += 1;
                *chars.get(i - 1).ok_or("unterminated character class")?
            }
            c => c,
        };
        first = false;
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
            let hi = chars[i + 1];
            i += 2;
            if hi < lo {
                return Err(format!("invalid character class range {lo}-{hi}"));
            }
            ranges.push((lo, hi));
        } else {
            ranges.push((lo, lo));
        }
    }
}

fn match_tokens(tokens: &[Token], s: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    let one = |ok: bool| ok && match_tokens(rest, &s[1..]);
    match token {
        Token::Char(c) => one(s.first() == Some(c)),
        Token::One => one(s.first().is_some_and(|c| *c != '/')),
        Token::Class { negated, ranges } => one(s
            .first()
            .is_some_and(|c| ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated)),
        Token::Star => {
            let run = s.iter().take_while(|c| **c != '/').count();
            (0..=run).any(|n| match_tokens(rest, &s[n..]))
        }
        Token::Rest => (0..=s.len()).any(|n| match_tokens(rest, &s[n..])),
        Token::Dirs => {
            match_tokens(rest, s)
                || (1..=s.len())
                    .filter(|&n| s[n - 1] == '/')
                    .any(|n| match_tokens(rest, &s[n..]))
        }
    }
}
