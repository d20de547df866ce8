//! Keywords customers send by WhatsApp (STOP, ANMELDEN, JA, …), matched exactly after trimming, case-folding and
//! removing punctuation and emoji, in German and English. Also the soft check "looks like a wish to stop", which only
//! flags a message for the farmer and never acts. Pure.

use crate::domain::consent::Purpose;

/// What a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyword {
    /// Withdraw marketing.
    StopMarketing,
    /// Withdraw both purposes.
    StopAll,
    /// Start the double opt-in for these purposes.
    Subscribe(Vec<Purpose>),
    /// Confirm a pending double opt-in.
    Confirm,
}

/// Lower-case words only: punctuation, symbols and emoji removed, whitespace collapsed.
pub fn normalize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() || c.is_whitespace() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The keyword a text is, if any.
pub fn classify(text: &str) -> Option<Keyword> {
    let n = normalize(text);
    let k = match n.as_str() {
        "stop" | "stopp" | "abmelden" | "keine werbung" | "unsubscribe" | "stop promotions" => Keyword::StopMarketing,
        "stop alles" | "stopp alles" | "abmelden alles" | "stop all" => Keyword::StopAll,
        "anmelden" | "start" => Keyword::Subscribe(vec![Purpose::Service, Purpose::Marketing]),
        "anmelden angebote" | "start angebote" => Keyword::Subscribe(vec![Purpose::Marketing]),
        "anmelden termine" | "start termine" => Keyword::Subscribe(vec![Purpose::Service]),
        "ja" | "yes" => Keyword::Confirm,
        _ => return None,
    };
    Some(k)
}

/// Whether a quick-reply label is an opt-out button ("Keine Angebote mehr", "Stop promotions", …).
pub fn is_opt_out_label(label: &str) -> bool {
    let n = normalize(label);
    matches!(classify(label), Some(Keyword::StopMarketing | Keyword::StopAll))
        || ["keine angebote", "keine werbung", "abmelden", "abbestellen", "stop", "unsubscribe", "opt out"]
            .iter()
            .any(|w| n.contains(w))
}

/// Free text that may be a wish to stop, for the farmer to review (never acted on automatically).
pub fn looks_like_stop(text: &str) -> bool {
    let n = normalize(text);
    [
        "keine nachrichten",
        "keine werbung",
        "keine angebote",
        "nicht mehr schreiben",
        "nicht mehr anschreiben",
        "nicht mehr kontaktieren",
        "will nichts mehr",
        "möchte nichts mehr",
        "abmelden",
        "abbestellen",
        "austragen",
        "löschen sie",
        "lösch mich",
        "meine nummer löschen",
        "stop",
        "stopp",
        "aufhören",
        "hört auf",
        "unsubscribe",
        "no more messages",
        "remove me",
    ]
    .iter()
    .any(|w| n.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_after_normalisation() {
        assert_eq!(classify("STOP"), Some(Keyword::StopMarketing));
        assert_eq!(classify("  Stopp! "), Some(Keyword::StopMarketing));
        assert_eq!(classify("stop 🛑"), Some(Keyword::StopMarketing));
        assert_eq!(classify("Keine   Werbung."), Some(Keyword::StopMarketing));
        assert_eq!(classify("unsubscribe"), Some(Keyword::StopMarketing));
        assert_eq!(classify("STOP ALLES"), Some(Keyword::StopAll));
        assert_eq!(classify("abmelden alles"), Some(Keyword::StopAll));
        assert_eq!(classify("ANMELDEN"), Some(Keyword::Subscribe(vec![Purpose::Service, Purpose::Marketing])));
        assert_eq!(classify("Anmelden Angebote"), Some(Keyword::Subscribe(vec![Purpose::Marketing])));
        assert_eq!(classify("START TERMINE"), Some(Keyword::Subscribe(vec![Purpose::Service])));
        assert_eq!(classify("Ja!"), Some(Keyword::Confirm));
        assert_eq!(classify("yes"), Some(Keyword::Confirm));
        // Not exact: no action.
        assert_eq!(classify("Stop bitte nicht die Eier vergessen"), None);
        assert_eq!(classify("Ja, gerne 2 kg"), None);
        assert_eq!(classify(""), None);
    }

    #[test]
    fn opt_out_buttons_and_soft_stop_wishes() {
        assert!(is_opt_out_label("Keine Angebote mehr"));
        assert!(is_opt_out_label("Stop promotions"));
        assert!(!is_opt_out_label("Ja, reservieren"));
        assert!(looks_like_stop("Bitte keine Nachrichten mehr"));
        assert!(looks_like_stop("Bitte meine Nummer löschen!"));
        assert!(!looks_like_stop("Gibt es nächste Woche wieder Bratwürste?"));
    }
}
