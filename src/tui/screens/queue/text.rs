//! The sentences and labels of the send queue (Warteschlange) and a broadcast's detail, German and English ("du",
//! says what happened and what to do — see GLOSSARY). Only text lives here.

use crate::i18n::Tr;

pub const SENDER_INAPP: Tr = Tr::new("läuft hier", "runs here");
/// The header while an open alert stops all sending (the queue screen says why and what to do); {0} says who would
/// send.
pub const SENDER_STOPPED: Tr = Tr::new("gestoppt ({0}; siehe 4)", "stopped ({0}; see 4)");
/// Who holds sending, in [`SENDER_STOPPED`].
pub const SENDER_HERE: Tr = Tr::new("hier", "here");
pub const SENDER_SERVICE: Tr = Tr::new("Dienst", "service");
pub const SENDER_HANDED_OVER: Tr = Tr::new("an Dienst übergeben", "handed to the service");
pub const HANDED_OVER: Tr = Tr::new(
    "Versand übergeben an den Dienst (hofbote serve); er sendet weiter.",
    "Sending handed over to the service (hofbote serve); it goes on sending.",
);
pub const TOOK_OVER: Tr =
    Tr::new("Kein Dienst sendet mehr: hofbote sendet jetzt selbst.", "No service sends any more: hofbote sends now.");
pub const SENDER_OFF: Tr = Tr::new("aus (kein Zugang)", "off (no access)");
pub const SENDER: Tr = Tr::new("Versand: ", "Sending: ");

// The list
pub const LIST_TITLE: Tr = Tr::new("Rundnachrichten ({0})", "Broadcasts ({0})");
pub const REPLIES_LINK: Tr = Tr::new("Antworten: {0} ungelesen ({1})", "Replies: {0} unread ({1})");
pub const REPLIES_LINK_NONE: Tr = Tr::new("Antworten ({0})", "Replies ({0})");
pub const EMPTY: Tr = Tr::new(
    "Noch keine Rundnachricht. Schreib eine unter Nachricht (Taste 3).",
    "No broadcast yet. Write one under Message (key 3).",
);
pub const NUMBER: Tr = Tr::new("Nr. {0}", "No. {0}");
pub const RATE_LEFT: Tr =
    Tr::new("{0}/{1} raus · {2} Nachrichten/s · noch ca. {3}", "{0}/{1} out · {2} messages/s · about {3} left");
pub const DONE_OF: Tr = Tr::new("{0}/{1} raus", "{0}/{1} out");
pub const SCHEDULED_FOR: Tr = Tr::new("geplant für {0}", "scheduled for {0}");
pub const NOT_SENDING: Tr = Tr::new(
    "Niemand sendet: Starte »hofbote serve« oder richte den Zugang ein.",
    "Nobody is sending: start `hofbote serve` or set up the access.",
);
pub const DRAFT_HINT: Tr =
    Tr::new("Entwurf – Enter öffnet ihn zum Ändern und Senden", "draft – Enter opens it to change and send");

pub fn broadcast_state(s: crate::domain::sending::BroadcastState) -> Tr {
    s.label()
}

// Actions
pub const PAUSED: Tr = Tr::new("Nr. {0} angehalten. r setzt fort.", "No. {0} paused. r resumes.");
pub const RESUMED: Tr = Tr::new("Nr. {0} wird fortgesetzt.", "No. {0} resumes.");
pub const DRAFT_QUEUED: Tr = Tr::new("Entwurf Nr. {0} eingereiht.", "Draft no. {0} queued.");
pub const CANCELLED: Tr = Tr::new(
    "Nr. {0} abgebrochen: {1} wartende Nachrichten gehen nicht raus.",
    "No. {0} cancelled: {1} waiting messages are not sent.",
);
pub const RETRIED: Tr =
    Tr::new("{0} fehlgeschlagene Nachrichten werden erneut versucht.", "{0} failed messages are tried again.");
pub const RETRIED_NONE: Tr = Tr::new("Keine fehlgeschlagenen Nachrichten.", "No failed messages.");
pub const DECIDED_AGAIN: Tr = Tr::new("Wird noch einmal gesendet.", "Will be sent again.");
pub const DECIDED_SENT: Tr = Tr::new("Als gesendet gezählt.", "Counted as sent.");
pub const CANCEL_QUESTION: Tr = Tr::new(
    "Rundnachricht Nr. {0} ({1}) abbrechen?\nNachrichten, die noch warten, werden nicht mehr verschickt. Was schon raus ist, bleibt.",
    "Cancel broadcast no. {0} ({1})?\nMessages still waiting are not sent. What is out stays out.",
);
pub const NOTHING_SELECTED: Tr = Tr::new("Keine Rundnachricht gewählt.", "No broadcast selected.");
pub const NOT_UNKNOWN: Tr = Tr::new(
    "Nur bei »unklar« kannst du entscheiden: erneut senden oder als gesendet zählen.",
    "Only for “unclear” you can decide: send again or count as sent.",
);

// Alerts
pub const ALERT: Tr = Tr::new("Versand gestoppt: {0}", "Sending stopped: {0}");
pub const ALERT_WHAT: Tr = Tr::new("Was tun: {0}", "What to do: {0}");
/// What to do about a stop without Meta's code; {0} is the key.
pub const ALERT_RESOLVE: Tr = Tr::new(
    "Behebe die Ursache (z. B. neuer Token, Zahlungsmethode bei Meta), dann drücke {0}: Warnung erledigt, der Versand geht weiter.",
    "Fix the cause (e.g. a new token, the payment method at Meta), then press {0}: alert resolved, sending goes on.",
);
/// After Meta's "what to do" of a stop; {0} is the key.
pub const ALERT_THEN_KEY: Tr = Tr::new(
    "Dann drücke {0}: Warnung erledigt, der Versand geht weiter.",
    "Then press {0}: alert resolved, sending goes on.",
);
/// After Meta's "what to do" of an invalid token: the token is read when hofbote starts; {0} is the key.
pub const ALERT_THEN_KEY_TOKEN: Tr = Tr::new(
    "Das Speichern dort startet die App mit dem neuen Token neu (einen laufenden Dienst starte neu: systemctl --user restart hofbote); dann drücke {0}: der Versand geht weiter.",
    "Saving there restarts the app with the new token (restart a running service: systemctl --user restart hofbote); then press {0}: sending goes on.",
);
/// Meta's 131063 stops marketing only: not "Versand gestoppt".
pub const ALERT_MARKETING: Tr = Tr::new("Werbung angehalten: {0}", "Marketing paused: {0}");
/// After Meta's "what to do" of a review (135000) or disabled marketing (131063): {0} resolves, {1} resumes.
pub const ALERT_THEN_RESUME: Tr = Tr::new(
    "Erst wenn Meta es aufgehoben hat: {0} drücken, dann mit {1} fortsetzen.",
    "Only once Meta lifted it: press {0}, then resume with {1}.",
);
/// After the key: how many alerts it resolved.
pub const ALERTS_RESOLVED: Tr =
    Tr::new("{0} Warnungen erledigt; der Versand geht weiter.", "{0} alerts resolved; sending goes on.");

// Detail
pub const WAITING: Tr = Tr::new("wartet", "waiting");
pub const DETAIL_TITLE: Tr = Tr::new("Nr. {0} · {1} · {2}", "No. {0} · {1} · {2}");
pub const DETAIL_COSTS: Tr = Tr::new(" · Kosten: ca. {0} / abgerechnet {1}", " · Cost: about {0} / billed {1}");
pub const COL_NAME: Tr = Tr::new("Kunde", "Customer");
pub const COL_STATE: Tr = Tr::new("Zustand", "State");
pub const COL_TIME: Tr = Tr::new("Zeit", "Time");
pub const COL_NOTE: Tr = Tr::new("Hinweis", "Note");
pub const ROWS_EMPTY: Tr =
    Tr::new("Keine Empfänger (ein Entwurf hat noch keine).", "No recipients (a draft has none yet).");
pub const FAILURE: Tr = Tr::new("Fehler {0}: {1}", "Error {0}: {1}");
pub const FAILURE_DO: Tr = Tr::new("Was tun: {0}", "What to do: {0}");
pub const UNKNOWN_CHOICE: Tr = Tr::new(
    "Unklar, ob die Nachricht ankam. {0} = noch einmal senden (kann doppelt ankommen), {1} = als gesendet zählen.",
    "Unclear whether it arrived. {0} = send again (may arrive twice), {1} = count as sent.",
);
pub const RESTORED_CHOICE: Tr = Tr::new(
    "Unklar nach Wiederherstellung: Diese Empfänger könnten die Nachricht schon bekommen haben. {0} = trotzdem allen senden, {1} = als gesendet zählen.",
    "Unclear after restore: these recipients may have got the message already. {0} = send to all anyway, {1} = count as sent.",
);
pub const RESTORED_SEND: Tr = Tr::new(
    "{0} Empfänger sind unklar nach Wiederherstellung der Sicherung von {1}: Sie könnten die Nachricht schon bekommen haben.\nTrotzdem allen senden? Manche bekommen sie dann vielleicht doppelt.",
    "{0} recipients are unclear after restoring the backup of {1}: they may have got the message already.\nSend to all anyway? Some may get it twice.",
);
pub const RESTORED_MARK: Tr = Tr::new(
    "{0} Empfänger sind unklar nach Wiederherstellung der Sicherung von {1}.\nAls gesendet zählen? Wer sie noch nicht hat, bekommt sie dann nicht.",
    "{0} recipients are unclear after restoring the backup of {1}.\nCount them as sent? Whoever does not have it yet will not get it.",
);
/// The note of a row Meta holds (its state word says "zurückgehalten").
pub const HELD_NOTE: Tr = Tr::new("Prüfung durch Meta", "Meta's quality review");
pub const ERASED: Tr = Tr::new("(gelöscht)", "(erased)");

// The message of a broadcast (detail line and the whole text on Enter)
pub const FIRST_NAME_WORD: Tr = Tr::new("‹Vorname›", "‹first name›");
pub const NAME_WORD: Tr = Tr::new("‹Name›", "‹name›");
pub const TEXT_LINE: Tr = Tr::new("Text: {0}", "Text: {0}");
pub const TEXT_UNKNOWN: Tr =
    Tr::new("Text: Vorlage »{0}« ist nicht mehr da. Werte: {1}", "Text: template “{0}” is gone. Values: {1}");
pub const MESSAGE_TITLE: Tr = Tr::new("Nachricht Nr. {0}", "Message no. {0}");
pub const MESSAGE_FOOTER: Tr = Tr::new("Esc oder Enter schließt.", "Esc or Enter closes.");
