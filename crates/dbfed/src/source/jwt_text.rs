//! What every local source (file, variable, program, callback, fixed value) must hand over: one
//! token — not empty, not oversized, and one run of printable ASCII with no whitespace or control
//! characters inside. Errors say what is wrong and where, never what the text holds (a misnamed
//! file may be `/proc/self/environ` or a private key).

use crate::error::{Error, Result};
use crate::token::SubjectToken;

/// The longest subject JWT any source may produce, in bytes (surrounding whitespace included);
/// real ones are a few KB, and HTTP servers cap headers near 8 KB.
pub const MAX_JWT_BYTES: usize = 16 * 1024;

/// Builds a [`SubjectToken`] from `text`, which should hold one JWT and nothing else; surrounding
/// whitespace is trimmed. `what` names where the text came from, for the error.
pub(super) fn one_jwt(source: &str, what: &str, text: &[u8]) -> Result<SubjectToken> {
    let refuse = |problem: String| Err(Error::source(source, format!("{what} {problem}")));
    if text.len() > MAX_JWT_BYTES {
        return refuse(format!(
            "is longer than {MAX_JWT_BYTES} bytes; a JWT is a few KB, so this is not one"
        ));
    }
    let token = text.trim_ascii();
    if token.is_empty() {
        return refuse("is empty".into());
    }
    if let Some(at) = token.iter().position(|byte| !byte.is_ascii_graphic()) {
        let problem = match token[at] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => "whitespace or a line break",
            byte if byte.is_ascii_control() => "a control character",
            _ => "a byte that is not ASCII",
        };
        return refuse(format!(
            "holds {problem} at byte {at} of its {} (after trimming): it must be one JWT \
             and nothing else",
            token.len()
        ));
    }
    // Every byte is printable ASCII, so this is the same text.
    Ok(SubjectToken::new(String::from_utf8_lossy(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &[u8]) -> String {
        one_jwt("test", "the value", text).unwrap_err().to_string()
    }

    #[test]
    fn one_token_is_accepted_trimmed() {
        let token = one_jwt("test", "the value", b" \n a.b-c_d.e= \r\n").unwrap();
        assert_eq!(token.jwt(), "a.b-c_d.e=");
        let longest = "x".repeat(MAX_JWT_BYTES);
        assert!(one_jwt("test", "the value", longest.as_bytes()).is_ok());
    }

    #[test]
    fn what_is_not_one_token_is_refused_without_being_quoted() {
        for (text, expected) in [
            (&b" \n\t "[..], "is empty"),
            (
                b"first.jwt.x second.jwt.y",
                "whitespace or a line break at byte 11",
            ),
            (
                b"first.jwt.x\nsecond.jwt.y",
                "whitespace or a line break at byte 11",
            ),
            (
                b"HOME=/root\0SECRET=hunter2",
                "a control character at byte 10",
            ),
            (b"\x1b]0;title\x07", "a control character at byte 0"),
            ("jwt\u{a0}é".as_bytes(), "not ASCII at byte 3"),
        ] {
            let message = refused(text);
            assert!(message.contains(expected), "{message}");
            assert!(
                !message.contains("jwt.") && !message.contains("hunter2"),
                "{message}"
            );
        }
        let message = refused("x".repeat(MAX_JWT_BYTES + 1).as_bytes());
        assert!(message.contains("longer than 16384 bytes"), "{message}");
        assert!(!message.contains("xxx"), "{message}");
    }
}
