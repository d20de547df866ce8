//! Meta's error codes as DATA: one table entry per code (or code range) with the class the send queue acts on and a
//! German/English explanation and "what to do" for the queue screen. Classification is by Meta's `code` only,
//! never by HTTP status. Unknown codes get a fallback entry (failed, needs review).
//! This module holds no logic beyond looking codes up; it must not talk HTTP.

use std::fmt;

use serde::Serialize;

use crate::i18n::{Lang, Tr};

/// What the sender should do about an error. The send queue matches on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Temporary: retry later with backoff (respect `Retry-After` / regain-access hints).
    RetryLater,
    /// Too many messages to this one recipient: back off 4^n seconds for that recipient only.
    PairLimited,
    /// The request may or may not have been accepted (timeout or connection lost after it was written).
    OutcomeUnknown,
    /// This recipient cannot get the message; do not retry.
    RecipientProblem,
    /// The customer stopped marketing messages in WhatsApp; record it, never retry marketing.
    MarketingStopped,
    /// Meta's per-user marketing limit; not before 24 h.
    PerUserMarketingLimit,
    /// The token is invalid or expired: stop all sending, alert.
    AuthFailure,
    /// The account cannot send (payment, lock, policy, permissions): stop all sending, alert.
    AccountBlocked,
    /// Meta reviews the quality of the business portfolio (135000, portfolio pacing): halt the broadcast, stop all
    /// sending, alert; nothing may be sent and no template created until the review ends.
    PortfolioReview,
    /// Marketing messages are disabled for this number on the Cloud API (131063): pause marketing, alert; service
    /// messages go on.
    MarketingDisabled,
    /// The template is paused or disabled: stop that broadcast.
    TemplateBlocked,
    /// Our request was wrong: fail the row.
    RequestProblem,
    /// Free text outside the 24 h window: send a template instead.
    WindowClosed,
    /// Unknown code: failed, needs review.
    Unknown,
}

impl ErrorClass {
    /// Whether the whole sending must stop (alert the operator).
    pub fn stops_all_sending(self) -> bool {
        matches!(self, ErrorClass::AuthFailure | ErrorClass::AccountBlocked | ErrorClass::PortfolioReview)
    }

    /// Whether trying the same request again later can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::RetryLater | ErrorClass::PairLimited | ErrorClass::PerUserMarketingLimit)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let tr = match self {
            ErrorClass::RetryLater => Tr::new("vorübergehend", "temporary"),
            ErrorClass::PairLimited => Tr::new("zu oft an diesen Kunden", "too often to this customer"),
            ErrorClass::OutcomeUnknown => Tr::new("unklar", "unknown outcome"),
            ErrorClass::RecipientProblem => Tr::new("Empfänger nicht erreichbar", "recipient unreachable"),
            ErrorClass::MarketingStopped => Tr::new("Werbung abbestellt", "marketing stopped"),
            ErrorClass::PerUserMarketingLimit => Tr::new("Werbelimit je Kunde", "per-user marketing limit"),
            ErrorClass::AuthFailure => Tr::new("Zugang ungültig", "access invalid"),
            ErrorClass::AccountBlocked => Tr::new("Konto gesperrt", "account blocked"),
            ErrorClass::PortfolioReview => Tr::new("Prüfung durch Meta", "Meta's quality review"),
            ErrorClass::MarketingDisabled => Tr::new("Werbung abgeschaltet", "marketing disabled"),
            ErrorClass::TemplateBlocked => Tr::new("Vorlage gesperrt", "template blocked"),
            ErrorClass::RequestProblem => Tr::new("fehlerhafte Anfrage", "bad request"),
            ErrorClass::WindowClosed => Tr::new("24-Stunden-Fenster zu", "24 h window closed"),
            ErrorClass::Unknown => Tr::new("unbekannter Fehler", "unknown error"),
        };
        tr.get(lang)
    }
}

/// The codes one table entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    List(&'static [i64]),
    /// Inclusive range, e.g. the permission codes 200–299.
    Range(i64, i64),
    /// The fallback entry for codes not in the table.
    Fallback,
}

impl Codes {
    pub fn contains(self, code: i64) -> bool {
        match self {
            Codes::List(list) => list.contains(&code),
            Codes::Range(from, to) => (from..=to).contains(&code),
            Codes::Fallback => false,
        }
    }
}

impl fmt::Display for Codes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codes::List(list) => {
                let parts: Vec<String> = list.iter().map(i64::to_string).collect();
                f.write_str(&parts.join(", "))
            }
            Codes::Range(from, to) => write!(f, "{from}–{to}"),
            Codes::Fallback => f.write_str("?"),
        }
    }
}

/// One entry of the table: code(s), class, explanation and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub codes: Codes,
    pub class: ErrorClass,
    /// What happened.
    pub explanation: Tr,
    /// What to do (or what hofbote does by itself).
    pub action: Tr,
}

const fn entry(codes: Codes, class: ErrorClass, explanation: Tr, action: Tr) -> CodeInfo {
    CodeInfo { codes, class, explanation, action }
}

use ErrorClass as C;

const RETRY_AUTO: Tr = Tr::new(
    "Nichts zu tun: hofbote versucht es später automatisch noch einmal.",
    "Nothing to do: hofbote tries again later by itself.",
);
const STOPPED_CHECK_MANAGER: Tr = Tr::new(
    "Der Versand ist angehalten. Prüfe die Meldungen im Meta Business Manager und gib den Versand danach wieder frei.",
    "Sending is stopped. Check the notices in Meta Business Manager, then resume sending.",
);
const FIX_REQUEST: Tr = Tr::new(
    "Die Nachricht ist fehlgeschlagen. Gleiche die Vorlagen ab (hofbote templates sync) und prüfe die Werte der Platzhalter.",
    "The message failed. Sync the templates (hofbote templates sync) and check the placeholder values.",
);

/// The table. Every code the send queue distinguishes is listed here; nothing else classifies errors.
pub static TABLE: &[CodeInfo] = &[
    // --- temporary: retry later ---
    entry(
        Codes::List(&[130429]),
        C::RetryLater,
        Tr::new(
            "Meta bremst: Deine Nummer hat zu viele Nachrichten pro Sekunde gesendet.",
            "Meta is throttling: your number sent too many messages per second.",
        ),
        Tr::new(
            "Nichts zu tun: hofbote sendet langsamer und versucht es automatisch erneut.",
            "Nothing to do: hofbote slows down and tries again by itself.",
        ),
    ),
    entry(
        Codes::List(&[131000]),
        C::RetryLater,
        Tr::new("Bei Meta ist ein unbekannter Fehler aufgetreten.", "An unknown error occurred at Meta."),
        RETRY_AUTO,
    ),
    entry(
        Codes::List(&[131016]),
        C::RetryLater,
        Tr::new("Der WhatsApp-Dienst ist gerade nicht erreichbar.", "The WhatsApp service is unavailable right now."),
        RETRY_AUTO,
    ),
    entry(
        Codes::List(&[131057]),
        C::RetryLater,
        Tr::new(
            "Dein WhatsApp-Konto ist kurz im Wartungsmodus (z. B. während Meta den Durchsatz erhöht).",
            "Your WhatsApp account is briefly in maintenance mode (e.g. while Meta raises its throughput).",
        ),
        Tr::new(
            "Nichts zu tun: hofbote wartet etwa eine Minute und sendet dann weiter.",
            "Nothing to do: hofbote waits about a minute, then continues.",
        ),
    ),
    entry(
        Codes::List(&[1, 2]),
        C::RetryLater,
        Tr::new("Meta meldet eine vorübergehende Störung.", "Meta reports a temporary disruption."),
        RETRY_AUTO,
    ),
    entry(
        Codes::List(&[4]),
        C::RetryLater,
        Tr::new(
            "Zu viele Anfragen an Meta in kurzer Zeit (Limit der App).",
            "Too many requests to Meta in a short time (app limit).",
        ),
        RETRY_AUTO,
    ),
    entry(
        Codes::List(&[80007]),
        C::RetryLater,
        Tr::new(
            "Das Anfragelimit deines WhatsApp-Kontos bei Meta ist erreicht.",
            "Your WhatsApp account's request limit at Meta is reached.",
        ),
        Tr::new(
            "Nichts zu tun: hofbote versucht es später erneut (das Limit gilt je Stunde).",
            "Nothing to do: hofbote tries again later (the limit is per hour).",
        ),
    ),
    // --- one recipient too often ---
    entry(
        Codes::List(&[131056]),
        C::PairLimited,
        Tr::new(
            "Zu viele Nachrichten in kurzer Zeit an denselben Kunden.",
            "Too many messages to the same customer in a short time.",
        ),
        Tr::new(
            "Nichts zu tun: hofbote wartet bei diesem Kunden länger und sendet dann erneut; andere Empfänger sind nicht betroffen.",
            "Nothing to do: hofbote waits longer for this customer, then sends again; other recipients are not affected.",
        ),
    ),
    // --- the recipient ---
    entry(
        Codes::List(&[131026]),
        C::RecipientProblem,
        Tr::new(
            "Nachricht nicht zustellbar: Die Nummer hat kein WhatsApp, der Kunde hat Metas Bedingungen nicht angenommen oder seine App ist zu alt.",
            "Message undeliverable: the number has no WhatsApp, the customer has not accepted Meta's terms, or the app is too old.",
        ),
        Tr::new(
            "Frag den Kunden nach seiner Nummer. hofbote versucht es bei ihm nicht noch einmal.",
            "Ask the customer for the number. hofbote does not try this customer again.",
        ),
    ),
    entry(
        Codes::List(&[130472]),
        C::RecipientProblem,
        Tr::new(
            "Die Nummer des Kunden nimmt an einem Test von Meta teil; Werbung wird ihr zurzeit nicht zugestellt.",
            "The customer's number is part of a Meta experiment; marketing is not delivered to it for now.",
        ),
        Tr::new("Nichts zu tun; hofbote versucht es nicht noch einmal.", "Nothing to do; hofbote does not try again."),
    ),
    entry(
        Codes::List(&[131021]),
        C::RecipientProblem,
        Tr::new("Empfänger und Absender sind dieselbe Nummer.", "Recipient and sender are the same number."),
        Tr::new(
            "Prüfe die Nummer des Kunden: Sie darf nicht deine eigene Geschäftsnummer sein.",
            "Check the customer's number: it must not be your own business number.",
        ),
    ),
    entry(
        Codes::List(&[131051]),
        C::RecipientProblem,
        Tr::new("Diese Art von Nachricht wird nicht unterstützt.", "This kind of message is not supported."),
        Tr::new("Melde das bitte als Fehler in hofbote.", "Please report this as a bug in hofbote."),
    ),
    entry(
        Codes::List(&[131050]),
        C::MarketingStopped,
        Tr::new(
            "Der Kunde hat in WhatsApp Werbung von Unternehmen abbestellt.",
            "The customer turned off marketing messages from businesses in WhatsApp.",
        ),
        Tr::new(
            "hofbote sendet ihm keine Werbung mehr. Nur der Kunde selbst kann das in WhatsApp wieder einschalten; Termine (Service) kommen weiter an.",
            "hofbote sends no more marketing to this customer. Only the customer can turn it back on in WhatsApp; service messages still arrive.",
        ),
    ),
    entry(
        Codes::List(&[131049]),
        C::PerUserMarketingLimit,
        Tr::new(
            "Meta hat die Werbung nicht zugestellt, weil der Kunde zurzeit schon viel Werbung bekommt.",
            "Meta did not deliver the marketing message because the customer already gets a lot of marketing right now.",
        ),
        Tr::new(
            "Frühestens nach 24 Stunden erneut senden; häufigere Versuche verlängern die Sperre.",
            "Send again after 24 hours at the earliest; more frequent attempts extend the block.",
        ),
    ),
    // --- stop everything ---
    entry(
        Codes::List(&[0, 190]),
        C::AuthFailure,
        Tr::new(
            "Der Zugangsschlüssel (Token) für WhatsApp ist abgelaufen oder ungültig.",
            "The WhatsApp access token has expired or is invalid.",
        ),
        Tr::new(
            "Der Versand ist angehalten. Erzeuge im Meta Business Manager einen neuen System-User-Token und trag ihn in hofbote unter 5 Einstellungen › w WhatsApp verbinden ein.",
            "Sending is stopped. Create a new system user token in Meta Business Manager and enter it in hofbote under 5 Settings › w Connect WhatsApp.",
        ),
    ),
    entry(
        Codes::List(&[131042]),
        C::AccountBlocked,
        Tr::new(
            "Meta kann nicht abrechnen: Mit der Zahlungsmethode deines WhatsApp-Kontos stimmt etwas nicht.",
            "Meta cannot bill: something is wrong with the payment method of your WhatsApp account.",
        ),
        Tr::new(
            "Der Versand ist angehalten. Prüfe die Zahlungsmethode im Meta Business Manager und gib den Versand danach wieder frei.",
            "Sending is stopped. Check the payment method in Meta Business Manager, then resume sending.",
        ),
    ),
    entry(
        Codes::List(&[135000]),
        C::PortfolioReview,
        Tr::new(
            "Meta prüft die Qualität deiner letzten Nachrichten. Bis die Prüfung endet: keine Nachrichten, keine neuen Vorlagen.",
            "Meta reviews the quality of your recent messages. Until the review ends: no messages, no new templates.",
        ),
        Tr::new(
            "Die Rundnachricht ist angehalten. Warte auf Metas Nachricht zum Ende der Prüfung (E-Mail, WhatsApp Manager › Kontoqualität).",
            "The broadcast is halted. Wait for Meta's notice that the review ended (e-mail, WhatsApp Manager › account quality).",
        ),
    ),
    entry(
        Codes::List(&[131063]),
        C::MarketingDisabled,
        Tr::new(
            "Meta hat Werbenachrichten für deine Nummer über die Cloud API abgeschaltet.",
            "Meta turned off marketing messages for your number on the Cloud API.",
        ),
        Tr::new(
            "hofbote hat die Werbe-Rundnachrichten angehalten; Termine (Service) gehen weiter raus. Prüfe im WhatsApp Manager, warum Werbung gesperrt ist.",
            "hofbote paused the marketing broadcasts; service messages still go out. Check in WhatsApp Manager why marketing is blocked.",
        ),
    ),
    entry(
        Codes::List(&[131031]),
        C::AccountBlocked,
        Tr::new("Dein WhatsApp-Konto ist gesperrt.", "Your WhatsApp account is locked."),
        STOPPED_CHECK_MANAGER,
    ),
    entry(
        Codes::List(&[368]),
        C::AccountBlocked,
        Tr::new(
            "Meta hat dein Konto wegen Verstößen gegen die Richtlinien vorübergehend gesperrt.",
            "Meta temporarily blocked your account for policy violations.",
        ),
        STOPPED_CHECK_MANAGER,
    ),
    entry(
        Codes::List(&[130497]),
        C::AccountBlocked,
        Tr::new(
            "Dein Konto darf Kunden in diesem Land nicht anschreiben.",
            "Your account may not message customers in this country.",
        ),
        STOPPED_CHECK_MANAGER,
    ),
    entry(
        Codes::List(&[131048]),
        C::AccountBlocked,
        Tr::new(
            "Meta schränkt deinen Versand ein, weil Nachrichten blockiert oder als Spam gemeldet wurden.",
            "Meta restricts your sending because messages were blocked or reported as spam.",
        ),
        Tr::new(
            "Der Versand ist angehalten. Prüfe die Qualitätsbewertung deiner Nummer im Meta Business Manager und sende vorerst seltener Werbung.",
            "Sending is stopped. Check your number's quality rating in Meta Business Manager and send marketing less often for now.",
        ),
    ),
    entry(
        Codes::List(&[133010]),
        C::AccountBlocked,
        Tr::new(
            "Deine Telefonnummer ist bei WhatsApp nicht registriert.",
            "Your phone number is not registered with WhatsApp.",
        ),
        Tr::new(
            "Der Versand ist angehalten. Registriere die Nummer im Meta Business Manager.",
            "Sending is stopped. Register the number in Meta Business Manager.",
        ),
    ),
    entry(
        Codes::List(&[3, 10]),
        C::AccountBlocked,
        Tr::new(
            "Deiner App oder deinem Token fehlt eine Berechtigung für diese Funktion.",
            "Your app or token lacks a permission for this function.",
        ),
        Tr::new(
            "Der Versand ist angehalten. Gib dem System-User im Meta Business Manager die Rechte whatsapp_business_messaging und whatsapp_business_management.",
            "Sending is stopped. Grant the system user whatsapp_business_messaging and whatsapp_business_management in Meta Business Manager.",
        ),
    ),
    entry(
        Codes::Range(200, 299),
        C::AccountBlocked,
        Tr::new("Meta verweigert die Berechtigung.", "Meta denies the permission."),
        Tr::new(
            "Der Versand ist angehalten. Prüfe die Rechte des System-Users und der App im Meta Business Manager.",
            "Sending is stopped. Check the system user's and the app's permissions in Meta Business Manager.",
        ),
    ),
    // --- the template ---
    entry(
        Codes::List(&[132015]),
        C::TemplateBlocked,
        Tr::new(
            "Meta hat die Vorlage pausiert (zu viele negative Rückmeldungen).",
            "Meta paused the template (too much negative feedback).",
        ),
        Tr::new(
            "Die Rundnachricht ist angehalten. Nimm eine andere Vorlage oder warte, bis Meta sie wieder freigibt.",
            "The broadcast is stopped. Use another template or wait until Meta releases it.",
        ),
    ),
    entry(
        Codes::List(&[132016]),
        C::TemplateBlocked,
        Tr::new("Meta hat die Vorlage deaktiviert.", "Meta disabled the template."),
        Tr::new(
            "Die Rundnachricht ist angehalten. Lege eine neue Vorlage an und lass sie genehmigen.",
            "The broadcast is stopped. Create a new template and have it approved.",
        ),
    ),
    // --- our request ---
    entry(
        Codes::List(&[100]),
        C::RequestProblem,
        Tr::new(
            "Meta meldet einen ungültigen Parameter (z. B. eine falsche Telefonnummern-ID).",
            "Meta reports an invalid parameter (e.g. a wrong phone number id).",
        ),
        Tr::new(
            "Prüfe phone_number_id und waba_id in der Konfiguration.",
            "Check phone_number_id and waba_id in the configuration.",
        ),
    ),
    entry(
        Codes::List(&[131008, 131009]),
        C::RequestProblem,
        Tr::new("Ein Wert in der Nachricht fehlt oder ist ungültig.", "A value in the message is missing or invalid."),
        FIX_REQUEST,
    ),
    entry(
        Codes::List(&[132000]),
        C::RequestProblem,
        Tr::new(
            "Die Zahl der Platzhalter-Werte passt nicht zur Vorlage.",
            "The number of placeholder values does not match the template.",
        ),
        FIX_REQUEST,
    ),
    entry(
        Codes::List(&[132001]),
        C::RequestProblem,
        Tr::new(
            "Die Vorlage gibt es in dieser Sprache nicht, oder sie ist nicht genehmigt.",
            "The template does not exist in this language, or it is not approved.",
        ),
        Tr::new(
            "Gleiche die Vorlagen ab (hofbote templates sync) und wähle eine genehmigte Vorlage.",
            "Sync the templates (hofbote templates sync) and choose an approved template.",
        ),
    ),
    entry(
        Codes::List(&[132005]),
        C::RequestProblem,
        Tr::new("Der Text ist mit den eingesetzten Werten zu lang.", "The text is too long with the values filled in."),
        Tr::new("Kürze die Werte der Platzhalter.", "Shorten the placeholder values."),
    ),
    entry(
        Codes::List(&[132007]),
        C::RequestProblem,
        Tr::new("Der Inhalt verstößt gegen Metas Formatregeln.", "The content breaks Meta's format rules."),
        FIX_REQUEST,
    ),
    entry(
        Codes::List(&[132012]),
        C::RequestProblem,
        Tr::new(
            "Ein Platzhalter-Wert hat das falsche Format (z. B. Text statt Bild).",
            "A placeholder value has the wrong format (e.g. text instead of an image).",
        ),
        FIX_REQUEST,
    ),
    // --- the window ---
    entry(
        Codes::List(&[131047]),
        C::WindowClosed,
        Tr::new(
            "Der Kunde hat seit über 24 Stunden nicht geschrieben: Freier Text ist nur im 24-Stunden-Fenster erlaubt.",
            "The customer has not written for over 24 hours: free text is only allowed in the 24 h window.",
        ),
        Tr::new("Sende stattdessen eine genehmigte Vorlage.", "Send an approved template instead."),
    ),
];

/// The entry for codes not in the table.
pub static FALLBACK: CodeInfo = entry(
    Codes::Fallback,
    C::Unknown,
    Tr::new("Meta meldet einen unbekannten Fehler.", "Meta reports an unknown error."),
    Tr::new(
        "Die Nachricht ist fehlgeschlagen und muss geprüft werden. Schlag den Fehlercode in Metas Liste der Fehlercodes nach.",
        "The message failed and needs review. Look the error code up in Meta's list of error codes.",
    ),
);

/// The table entry for `code` (the fallback entry for unknown codes).
pub fn explain(code: i64) -> &'static CodeInfo {
    TABLE.iter().find(|e| e.codes.contains(code)).unwrap_or(&FALLBACK)
}

/// The class of `code`.
pub fn classify(code: i64) -> ErrorClass {
    explain(code).class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_has_its_class() {
        let expected: &[(&[i64], ErrorClass)] = &[
            (&[130429, 131000, 131016, 131057, 1, 2, 4, 80007], C::RetryLater),
            (&[131056], C::PairLimited),
            (&[131026, 130472, 131021, 131051], C::RecipientProblem),
            (&[131050], C::MarketingStopped),
            (&[131049], C::PerUserMarketingLimit),
            (&[0, 190], C::AuthFailure),
            (&[131042, 131031, 368, 130497, 131048, 133010, 3, 10, 200, 250, 299], C::AccountBlocked),
            (&[135000], C::PortfolioReview),
            (&[131063], C::MarketingDisabled),
            (&[132015, 132016], C::TemplateBlocked),
            (&[100, 131008, 131009, 132000, 132001, 132005, 132007, 132012], C::RequestProblem),
            (&[131047], C::WindowClosed),
            (&[199, 300, 5, 131052, 999_999, -1], C::Unknown),
        ];
        for (codes, class) in expected {
            for code in *codes {
                assert_eq!(classify(*code), *class, "code {code}");
            }
        }
    }

    #[test]
    fn no_code_is_listed_twice_and_texts_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for e in TABLE {
            let codes: Vec<i64> = match e.codes {
                Codes::List(l) => l.to_vec(),
                Codes::Range(a, b) => (a..=b).collect(),
                Codes::Fallback => panic!("fallback inside the table"),
            };
            for c in codes {
                assert!(seen.insert(c), "code {c} twice");
            }
            for t in [e.explanation, e.action] {
                assert!(!t.de.is_empty() && !t.en.is_empty());
            }
        }
        assert_eq!(explain(424242), &FALLBACK);
        assert_eq!(explain(250).codes.to_string(), "200–299");
        assert_eq!(explain(1).codes.to_string(), "1, 2");
    }

    #[test]
    fn stop_and_retry_flags() {
        assert!(C::AuthFailure.stops_all_sending() && C::AccountBlocked.stops_all_sending());
        assert!(C::PortfolioReview.stops_all_sending());
        assert!(!C::TemplateBlocked.stops_all_sending() && !C::MarketingDisabled.stops_all_sending());
        assert!(C::RetryLater.is_retryable() && !C::OutcomeUnknown.is_retryable());
    }
}
