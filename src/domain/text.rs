//! What makes free text unsafe to show: characters that are invisible or
//! change how the text around them is displayed.

/// Every format character of Unicode (general category Cf, Unicode 15.1):
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), zero-width spaces and joiners (U+200B–U+200F), the byte
/// order mark (U+FEFF), the soft hyphen, tags and the like. Listed by hand:
/// the table is short and changes rarely.
const FORMAT_CHARACTERS: [(u32, u32); 21] = [
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Whether `c` would break or disguise a line of text where it is shown (a
/// table, a log line, a UI): a control character (newlines included), a
/// format character (bidi overrides, zero-width characters), or the line
/// and paragraph separators U+2028 and U+2029.
pub fn is_hidden_or_breaking(c: char) -> bool {
    let code = u32::from(c);
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || FORMAT_CHARACTERS.iter().any(|&(first, last)| (first..=last).contains(&code))
}

/// Characters of each kind [`is_hidden_or_breaking`] catches, for the tests
/// of every check built on it.
#[cfg(test)]
pub(crate) const HIDDEN_SAMPLES: [char; 28] = [
    '\n',
    '\r',
    '\t',
    '\0',
    '\u{7}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{AD}',
    '\u{61C}',
    '\u{200B}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2028}',
    '\u{2029}',
    '\u{2060}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{FEFF}',
    '\u{E0041}',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_format_and_separator_characters_are_caught_and_visible_text_is_not() {
        for c in HIDDEN_SAMPLES {
            assert!(is_hidden_or_breaking(c), "U+{:04X}", u32::from(c));
        }
        for c in ['a', ' ', 'é', 'ß', '运', 'к', '🔑', '\u{A0}', '-', '@'] {
            assert!(!is_hidden_or_breaking(c), "U+{:04X}", u32::from(c));
        }
    }
}
