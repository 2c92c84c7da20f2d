//! Text from outside (a server's error body or `error_description`, a program's message), made
//! fit to quote in an error or a log line: what dbfed sent is masked, so is anything shaped like
//! a JWT, control characters become spaces, and the length is capped.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::form_urlencoded;

use crate::token::Secret;

/// The most characters of outside text quoted in one message.
pub(crate) const MAX_QUOTED_CHARS: usize = 1000;

/// What stands in for a masked secret.
const MASK: &str = "<redacted>";

/// Secrets shorter than this are not searched for (they would mask ordinary words).
const MIN_MASKED_LEN: usize = 8;

/// Form fields whose values are secrets.
const SECRET_FIELDS: [&str; 7] = [
    "subject_token",
    "client_secret",
    "client_assertion",
    "assertion",
    "password",
    "refresh_token",
    "actor_token",
];

/// Headers whose values are secrets.
const SECRET_HEADERS: [&str; 3] = [
    "authorization",
    "x-identity-header",
    "metadata-flavor-token",
];

/// The secrets a request carries — its secret form fields and credential headers — in every
/// spelling a server might echo: as sent, form-encoded, and each part of a JWT or Basic pair.
pub(crate) fn secrets_sent(form: &[(&str, &str)], headers: &[(&str, &str)]) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for (_, value) in form.iter().filter(|(name, _)| SECRET_FIELDS.contains(name)) {
        add_spellings(&mut secrets, value);
    }
    for (name, value) in headers {
        if !SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let credential = value
            .split_once(' ')
            .map_or(*value, |(_, credential)| credential);
        add_spellings(&mut secrets, credential);
        if let Ok(decoded) = STANDARD.decode(credential)
            && let Ok(pair) = String::from_utf8(decoded)
            && let Some((user, password)) = pair.split_once(':')
        {
            // RFC 6749 §2.3.1: each part was form-encoded first; a server may echo either form.
            for part in [password, user] {
                add_spellings(&mut secrets, part);
                add_spellings(&mut secrets, &form_decoded(part));
            }
        }
    }
    secrets
}

/// `text` form-decoded (`%2F` → `/`, `+` → space), as a Basic pair's part was before encoding.
fn form_decoded(text: &str) -> String {
    form_urlencoded::parse(text.as_bytes())
        .map(|(name, value)| {
            if value.is_empty() {
                name
            } else {
                format!("{name}={value}").into()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn add_spellings(secrets: &mut Vec<Secret>, value: &str) {
    let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let parts = value.split('.').filter(|_| value.matches('.').count() == 2);
    for spelling in [value, &encoded].into_iter().chain(parts) {
        if spelling.len() >= MIN_MASKED_LEN && !secrets.iter().any(|s| s.expose() == spelling) {
            secrets.push(Secret::new(spelling));
        }
    }
}

/// `text` fit to quote: every secret in `sent` and every JWT-shaped run masked, control
/// characters (and bidirectional overrides) turned into spaces, at most [`MAX_QUOTED_CHARS`].
pub(crate) fn quoted(text: &str, sent: &[Secret]) -> String {
    // The longest first, so that a JWT is masked whole rather than part by part.
    let mut by_length: Vec<&Secret> = sent.iter().collect();
    by_length.sort_by_key(|secret| std::cmp::Reverse(secret.expose().len()));
    // Masked as received, and again once made safe: a control character turned into a space
    // can complete a secret's spelling (one that starts with a space, say).
    let masked = mask(text, &by_length);
    let safe: String = masked
        .chars()
        .map(|c| if is_unsafe_to_show(c) { ' ' } else { c })
        .collect();
    let text = mask(&safe, &by_length);
    let text = mask_jwts(&text);
    let mut shown: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

/// `text` with every occurrence of each of `secrets` masked, in their order.
fn mask<'a>(text: &'a str, secrets: &[&Secret]) -> Cow<'a, str> {
    let mut text = Cow::Borrowed(text);
    for secret in secrets {
        if text.contains(secret.expose()) {
            text = Cow::Owned(text.replace(secret.expose(), MASK));
        }
    }
    text
}

/// Characters that could rewrite a terminal or a log line: controls (CR, LF, ESC, C1) and the
/// bidirectional overrides.
fn is_unsafe_to_show(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each run shaped like a JWT (`eyJ…`, three base64url parts) masked.
fn mask_jwts(text: &str) -> Cow<'_, str> {
    if !text.contains("eyJ") {
        return Cow::Borrowed(text);
    }
    let is_jwt_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| !is_jwt_char(c))
            .unwrap_or(candidate.len());
        let run = &candidate[..end];
        if run.split('.').filter(|part| !part.is_empty()).count() >= 2 && run.contains('.') {
            out.push_str("<jwt redacted>");
        } else {
            out.push_str(run);
        }
        rest = &candidate[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

    #[test]
    fn a_secret_that_a_control_character_turned_into_a_space_completes_is_masked() {
        let sent = secrets_sent(&[("client_secret", " aaaaaaaaaa")], &[]);
        let shown = quoted("echo \u{12}aaaaaaaaaa", &sent);
        assert!(!shown.contains(" aaaaaaaaaa"), "{shown:?}");
    }

    #[test]
    fn a_basic_pairs_secret_is_masked_as_sent_and_as_it_was_before_form_encoding() {
        // client_secret_basic: base64("svc:" + form_encode("s3cret/with+chars")).
        let pair = STANDARD.encode("svc:s3cret%2Fwith%2Bchars");
        let sent = secrets_sent(&[], &[("Authorization", &format!("Basic {pair}"))]);
        for echoed in [
            "client_secret=s3cret/with+chars",
            "s3cret%2Fwith%2Bchars is wrong",
        ] {
            let shown = quoted(echoed, &sent);
            assert!(!shown.contains("s3cret"), "{echoed:?} showed as {shown:?}");
        }
    }

    #[test]
    fn what_was_sent_is_masked_in_every_spelling() {
        let sent = secrets_sent(
            &[
                ("subject_token", JWT),
                ("client_secret", "s3cr3t value/+="),
                ("client_id", "0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a"),
            ],
            &[("Authorization", "Basic YXBwLWlkOnBhc3N3b3JkLTEyMw==")],
        );
        for echoed in [
            format!("bad subject_token {JWT}"),
            "bad signature c2lnbmF0dXJlLXNpZ25hdHVyZQ".to_owned(),
            "client_secret=s3cr3t+value%2F%2B%3D rejected".to_owned(),
            "secret 's3cr3t value/+=' is wrong".to_owned(),
            "password-123 is wrong".to_owned(),
        ] {
            let shown = quoted(&echoed, &sent);
            for secret in [
                JWT,
                "c2lnbmF0dXJlLXNpZ25hdHVyZQ",
                "s3cr3t",
                "s3cr3t+value%2F%2B%3D",
                "password-123",
            ] {
                assert!(!shown.contains(secret), "{echoed:?} showed as {shown:?}");
            }
        }
        let shown = quoted("unknown client 0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a", &sent);
        assert!(
            shown.contains("0b3b3c3e-1111"),
            "a client id is no secret: {shown}"
        );
    }

    #[test]
    fn any_jwt_is_masked_even_one_never_sent() {
        let shown = quoted(&format!("token {JWT}, and again:{JWT}."), &[]);
        assert_eq!(shown, "token <jwt redacted>, and again:<jwt redacted>");
        assert_eq!(quoted("eyJ alone, eyJhbGci.", &[]), "eyJ alone, eyJhbGci.");
    }

    #[test]
    fn control_characters_become_spaces_and_length_is_capped() {
        assert_eq!(
            quoted("tok\r\nX-Injected: 1\u{1b}]0;FAKE\u{7}\u{202E}", &[]),
            "tok  X-Injected: 1 ]0;FAKE  "
        );
        let long = "a".repeat(MAX_QUOTED_CHARS * 2);
        let shown = quoted(&long, &[]);
        assert_eq!(shown.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(shown.ends_with('…'));
    }
}
