//! Checks that protect the farmer before a broadcast is queued: a service (UTILITY) message must not carry
//! advertising, every advertising message needs a way to object, and the same message should not go out twice a day.
//! Pure: the caller says whether it already went out today.

use crate::domain::template::{Category, Template};
use crate::i18n::{Lang, Localized, Tr};

/// Words that make a text advertising (German shop language, lower case).
const PROMOTIONAL: &[&str] = &[
    "angebot",
    "rabatt",
    "%",
    "aktion",
    "günstig",
    "neu im sortiment",
    "sonderpreis",
    "reduziert",
    "gratis",
    "kostenlos",
    "spar",
    "nur diese woche",
    "schnäppchen",
    "preiswert",
    "gutschein",
    "probier",
];

/// A warning on the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A service template whose filled text reads like advertising (the words found).
    PromotionalService(Vec<String>),
    /// An advertising template without a "STOP" hint or an opt-out quick reply.
    NoOptOut,
    /// The same template with the same values already went out today.
    SentToday,
}

impl Localized for Warning {
    fn localized(&self, lang: Lang) -> String {
        match self {
            Warning::PromotionalService(words) => Tr::new(
                "Service-Nachricht klingt nach Werbung ({0}). Termine dürfen keine Werbung enthalten – nimm eine Werbe-Vorlage.",
                "Service message reads like advertising ({0}). Dates must not carry advertising – use a marketing template.",
            )
            .fill(lang, &[&words.join(", ")]),
            Warning::NoOptOut => Tr::new(
                "Werbung ohne Abmelde-Hinweis: Das Gesetz verlangt bei jeder Werbenachricht den Hinweis, wie man widerspricht (z. B. „Abmelden: STOP“).",
                "Advertising without an opt-out notice: the law requires every advertising message to say how to object (e.g. \"Unsubscribe: STOP\").",
            )
            .get(lang)
            .to_owned(),
            Warning::SentToday => Tr::new(
                "Diese Vorlage mit denselben Werten ging heute schon raus.",
                "This template with the same values already went out today.",
            )
            .get(lang)
            .to_owned(),
        }
    }
}

/// Promotional words found in `text` (case-insensitive).
pub fn promotional_words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    PROMOTIONAL.iter().filter(|w| lower.contains(*w)).map(|w| (*w).to_owned()).collect()
}

/// Whether the message tells the customer how to object: a STOP hint in body or footer, or an opt-out button.
pub fn has_opt_out(template: &Template, filled_body: &str) -> bool {
    let mentions_stop = |t: &str| t.split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case("stop"));
    mentions_stop(filled_body)
        || template.footer.as_deref().is_some_and(mentions_stop)
        || template.quick_reply_labels().iter().any(|l| crate::domain::keywords::is_opt_out_label(l))
}

/// All warnings for a template filled with one recipient's values.
pub fn warnings(template: &Template, filled_body: &str, sent_today: bool) -> Vec<Warning> {
    let mut out = Vec::new();
    if template.category == Category::Utility {
        let words = promotional_words(filled_body);
        if !words.is_empty() {
            out.push(Warning::PromotionalService(words));
        }
    }
    if template.category == Category::Marketing && !has_opt_out(template, filled_body) {
        out.push(Warning::NoOptOut);
    }
    if sent_today {
        out.push(Warning::SentToday);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{Button, ParameterFormat, Status};

    fn t(category: Category, footer: Option<&str>, buttons: Vec<Button>) -> Template {
        Template {
            meta_id: String::new(),
            name: "x".into(),
            language: "de".into(),
            category,
            status: Status::Approved,
            parameter_format: ParameterFormat::Positional,
            header: None,
            body: "{{1}}".into(),
            footer: footer.map(str::to_owned),
            buttons,
            examples: Default::default(),
            header_example: None,
        }
    }

    #[test]
    fn service_messages_with_advertising_are_flagged() {
        let s = t(Category::Utility, None, vec![]);
        assert_eq!(warnings(&s, "Deine Bestellung ist am Sa abholbereit.", false), vec![]);
        let w = warnings(&s, "Abholung Sa – und 20 % Rabatt auf Eier!", false);
        assert_eq!(w, vec![Warning::PromotionalService(vec!["rabatt".into(), "%".into()])]);
        assert!(w[0].localized(Lang::De).contains("Werbe-Vorlage"));
    }

    #[test]
    fn advertising_needs_a_way_to_object() {
        let bare = t(Category::Marketing, None, vec![]);
        assert_eq!(warnings(&bare, "Neu: Honig", false), vec![Warning::NoOptOut]);
        let footer = t(Category::Marketing, Some("Abmelden: STOP"), vec![]);
        assert!(warnings(&footer, "Neu: Honig", false).is_empty());
        let button = t(Category::Marketing, None, vec![Button::QuickReply { text: "Keine Angebote mehr".into() }]);
        assert!(warnings(&button, "Neu: Honig", false).is_empty());
        assert!(!has_opt_out(&bare, "Stopfleber"), "a word containing stop is no hint");
        assert_eq!(warnings(&footer, "Neu: Honig", true), vec![Warning::SentToday]);
    }
}
