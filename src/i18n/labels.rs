//! German/English text pairs, grouped by area. Only text lives here.

/// Phone number problems.
pub mod phone {
    use crate::i18n::Tr;
    pub const EMPTY: Tr =
        Tr::new("Telefonnummer fehlt. Beispiel: 0171 1234567.", "Phone number missing. Example: 0171 1234567.");
    pub const INVALID_CHARS: Tr = Tr::new(
        "Telefonnummer ungültig: enthält Zeichen, die keine Ziffern sind ({0}). Beispiel: 0171 1234567.",
        "Invalid phone number: contains characters that are not digits ({0}). Example: 0171 1234567.",
    );
    pub const TOO_SHORT: Tr = Tr::new(
        "Telefonnummer ungültig: zu wenige Ziffern. Beispiel: 0171 1234567.",
        "Invalid phone number: too few digits. Example: 0171 1234567.",
    );
    pub const TOO_LONG: Tr = Tr::new(
        "Telefonnummer ungültig: zu viele Ziffern. Beispiel: 0171 1234567.",
        "Invalid phone number: too many digits. Example: 0171 1234567.",
    );
    pub const UNKNOWN_CC: Tr = Tr::new(
        "Telefonnummer ungültig: unbekannte Ländervorwahl. Beispiel: +49 171 1234567.",
        "Invalid phone number: unknown country code. Example: +49 171 1234567.",
    );
    pub const NOT_VALID: Tr = Tr::new(
        "Telefonnummer ungültig: diese Nummer gibt es so nicht (Vorwahl oder Länge passt nicht). Beispiel: 0171 1234567.",
        "Invalid phone number: no such number (area code or length does not fit). Example: 0171 1234567.",
    );
    pub const UNKNOWN_REGION: Tr = Tr::new(
        "Unbekanntes Land {0}. Erwartet wird ein Ländercode wie DE oder AT.",
        "Unknown country {0}. Expected a country code such as DE or AT.",
    );
}
