//! Quoting outside text: `quoted(text, secrets_sent(form, headers))`. Input: NUL-separated
//! parts, the first the text, the next up to three the values of `subject_token`,
//! `client_secret` and a Basic `user:password` pair. The quote has no control characters (nor
//! bidirectional overrides), at most MAX_QUOTED_CHARS + 1 characters, and no secret sent that
//! the text held.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dbfed::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = String::from_utf8_lossy(data);
    let mut parts = data.split('\0');
    let text = parts.next().unwrap_or_default();
    let subject_token = parts.next().unwrap_or_default();
    let client_secret = parts.next().unwrap_or_default();
    let basic = format!(
        "Basic {}",
        STANDARD.encode(parts.next().unwrap_or_default())
    );
    let sent = fuzzing::secrets_sent(
        &[
            ("grant_type", "client_credentials"),
            ("subject_token", subject_token),
            ("client_secret", client_secret),
        ],
        &[("Authorization", &basic)],
    );
    let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
    let shown = fuzzing::quoted(text, &sent);
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "a control character shown: {shown:?}"
    );
    assert!(
        shown.chars().count() <= fuzzing::MAX_QUOTED_CHARS + 1,
        "too long: {}",
        shown.len()
    );
    // The masks themselves are not the text: a fuzzed "secret" such as `token <jwt redacted>`
    // (no real one has brackets or spaces) could otherwise be "found" in the masked text.
    let unmasked = shown
        .replace("<jwt redacted>", "\0")
        .replace("<redacted>", "\0");
    // What the text held is masked; a "secret" that only the quoting made (a control character
    // turned into a space next to text, say) was never in it.
    for secret in sent
        .iter()
        .filter(|secret| secret.len() >= 8 && text.contains(*secret))
    {
        assert!(!unmasked.contains(secret), "{secret:?} shown in {shown:?}");
    }
});
