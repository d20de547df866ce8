//! The one keymap: a table of (context, keys) → action with a German and English description. The key handling in
//! `app`, the hint line at the bottom and the `?` help popup all read this table, so they cannot drift apart.
//! A context that is typing text (a form field, the search) lists only its few command keys: every other key is
//! text, so a `q` typed into a name is a `q`, not "quit". Must not perform actions itself.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::Screen;
use super::theme::Theme;
use crate::i18n::{Lang, Tr};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    Tab(Screen),
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    Back,
    Filter,
    TagFilter,
    Sort,
    Add,
    Edit,
    Delete,
    Record,
    Withdraw,
    PurposeFilter,
    SourceFilter,
    FilterDone,
    FilterCancel,
    NextField,
    PrevField,
    Submit,
    Save,
    Cancel,
    Toggle,
    ChoicePrev,
    ChoiceNext,
    Yes,
    No,
    /// Composer: start from the last broadcast of the selected template.
    Repeat,
    /// Fetch the templates from the API again.
    Sync,
    /// Composer: on to the review.
    Review,
    NextRecipient,
    PrevRecipient,
    /// Show who is excluded and why.
    Excluded,
    TestSend,
    /// Keep as draft.
    Draft,
    Discard,
    Pause,
    Resume,
    CancelBroadcast,
    RetryFailed,
    /// An unclear row: send it again.
    SendAgain,
    /// An unclear row: count it as sent.
    MarkSent,
    /// Queue screen: switch between broadcasts and replies.
    Replies,
    /// Queue screen: the farmer fixed the cause of the open alerts (token, account at Meta); sending goes on.
    ResolveAlerts,
    /// Answer a customer (open the conversation).
    Answer,
    /// Send the typed answer.
    SendReply,
    /// Welcome screen: start the demo.
    Demo,
    /// Welcome screen: set up the connection.
    Setup,
    /// Customer list: open the import view.
    Import,
    /// Import view: complete the typed path.
    Complete,
    /// A customer: write the Auskunft (Art. 15) to a file.
    DataExport,
    /// A customer: write the printable consent proof to a file.
    ConsentProof,
    /// Settings: open the "WhatsApp verbinden" form.
    Connect,
    /// Settings: test the connection to WhatsApp.
    ConnectionTest,
    /// Settings: set up the systemd user service.
    InstallService,
    /// Customer list: mark or unmark the selected customer (for a message to a few).
    Mark,
    /// Customer list and detail: a message to the marked customers (or this one).
    MessageTo,
    /// Composer: the customer's first name into the field (instead of typing `{vorname}`).
    FirstName,
}

/// Where the keyboard focus is. `app` builds a chain of these, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Works everywhere, even in text fields.
    Always,
    /// Screens that are not typing text.
    Global,
    /// Moving in a list.
    Lists,
    Customers,
    Detail,
    Consent,
    /// Typing the search text.
    Filter,
    /// A form; its text fields take all other keys.
    Form,
    /// A form field with choices (checkbox, list of options).
    FormChoice,
    /// A checkbox in a form (Space ticks it).
    FormCheck,
    /// The customer picker in a form (arrow keys choose a match).
    FormPicker,
    Confirm,
    /// "Eingaben verwerfen?" over a form with unsaved input.
    Discard,
    Help,
    /// Composer: choosing a template.
    Picker,
    /// Composer: filling in the values (typing: only command keys).
    Composer,
    /// Composer: the preview has the focus.
    Preview,
    /// Composer: the review before anything is queued.
    Review,
    /// The list of excluded customers.
    Excluded,
    /// Composer: the list of recent broadcasts to repeat.
    RecentPick,
    /// Queue screen: the list of broadcasts.
    Queue,
    /// Queue screen: one broadcast's recipients.
    QueueDetail,
    /// Queue screen: the customers' replies.
    Replies,
    /// Queue screen while an alert the farmer can resolve is open (before the view's own context).
    QueueAlert,
    /// One customer's conversation (window closed: no input).
    Conversation,
    /// Typing an answer (window open).
    ReplyInput,
    /// First start without configuration.
    Welcome,
    /// Import view: typing the file path (every other key is text).
    ImportPath,
    /// Import view: the dry run, before anything is stored.
    ImportPreview,
    /// Import view: typing where the paper forms are kept (every other key is text).
    ImportEvidence,
    /// Import view: the dry run of a file whose consent columns are not taken yet.
    ImportConsent,
    /// The settings screen's overview.
    Settings,
}

/// One key with its modifiers (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, mods: KeyModifiers::NONE }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
    }

    /// The key of a press (or repeat); releases are ignored. Shift is dropped for characters and Shift-Tab, as the
    /// terminal already reports `A` or `BackTab`.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let mut mods = ev.modifiers;
        if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Some(Key { code: ev.code, mods })
    }

    /// How the key is written in hints and help, e.g. `Strg+S`, `Bild↓`, `↑`.
    pub fn label(self, lang: Lang, theme: Theme) -> String {
        let de = lang == Lang::De;
        let (up, down) = theme.up_down();
        let (left, right) = theme.left_right();
        let base = match self.code {
            KeyCode::Char(' ') => (if de { "Leertaste" } else { "Space" }).to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => up.to_owned(),
            KeyCode::Down => down.to_owned(),
            KeyCode::Left => left.to_owned(),
            KeyCode::Right => right.to_owned(),
            // "Bild↑" only where the arrow shows; the ASCII arrows would read "BildUp".
            KeyCode::PageUp if de && !theme.ascii => format!("Bild{up}"),
            KeyCode::PageDown if de && !theme.ascii => format!("Bild{down}"),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => (if de { "Pos1" } else { "Home" }).to_owned(),
            KeyCode::End => (if de { "Ende" } else { "End" }).to_owned(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => (if de { "Umschalt+Tab" } else { "Shift+Tab" }).to_owned(),
            KeyCode::Backspace => (if de { "Rück" } else { "Backspace" }).to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("{}+{}", if de { "Strg" } else { "Ctrl" }, base.to_uppercase())
        } else {
            base
        }
    }
}

/// One row of the keymap.
#[derive(Debug)]
pub struct Binding {
    pub ctx: Ctx,
    pub keys: &'static [Key],
    pub action: Action,
    /// The description in the help.
    pub text: Tr,
    /// A short word for the hint line at the bottom; rows without one appear only in the help.
    pub hint: Option<Tr>,
}

const fn b(ctx: Ctx, keys: &'static [Key], action: Action, text: Tr) -> Binding {
    Binding { ctx, keys, action, text, hint: None }
}

/// A row that is also shown in the hint line, with a short word.
const fn h(ctx: Ctx, keys: &'static [Key], action: Action, text: Tr, hint: Tr) -> Binding {
    Binding { ctx, keys, action, text, hint: Some(hint) }
}

use Action as A;
use Ctx as C;
use KeyCode as K;

const UP: &[Key] = &[Key::plain(K::Up), Key::ch('k')];
const DOWN: &[Key] = &[Key::plain(K::Down), Key::ch('j')];

/// The keymap. Within a context the first matching row wins; contexts are searched in the order `app` gives. The
/// hint line shows the rows with a short word, in this order, as many as fit.
#[rustfmt::skip]
pub static KEYMAP: &[Binding] = &[
    b(C::Always, &[Key::ctrl('c')], A::Quit, Tr::new("beenden", "quit")),
    // Help
    h(C::Help, &[Key::plain(K::Esc), Key::ch('?'), Key::ch('q'), Key::plain(K::F(1))], A::Back, Tr::new("Hilfe schließen", "close help"), Tr::new("schließen", "close")),
    b(C::Help, UP, A::Up, Tr::new("nach oben blättern", "scroll up")),
    b(C::Help, DOWN, A::Down, Tr::new("nach unten blättern", "scroll down")),
    // Questions
    h(C::Confirm, &[Key::ch('y')], A::Yes, Tr::new("ja", "yes"), Tr::new("ja", "yes")),
    // Discard typed input? Here `j` is yes too: the farmer just pressed Esc, not a movement key.
    h(C::Discard, &[Key::ch('j'), Key::ch('y')], A::Yes, Tr::new("ja, verwerfen", "yes, discard"), Tr::new("verwerfen", "discard")),
    h(C::Discard, &[Key::ch('n'), Key::plain(K::Esc)], A::No, Tr::new("nein, weiter ausfüllen", "no, back to the form"), Tr::new("zurück", "back")),
    h(C::Confirm, &[Key::ch('n'), Key::plain(K::Esc)], A::No, Tr::new("nein", "no"), Tr::new("nein", "no")),
    // The search field: everything else is typed
    h(C::Filter, &[Key::plain(K::Enter)], A::FilterDone, Tr::new("Suche übernehmen, zurück zur Liste", "keep the search, back to the list"), Tr::new("fertig", "done")),
    h(C::Filter, &[Key::plain(K::Esc)], A::FilterCancel, Tr::new("Suche löschen", "clear the search"), Tr::new("Suche löschen", "clear")),
    b(C::Filter, &[Key::plain(K::Up)], A::Up, Tr::new("in der Liste nach oben", "up in the list")),
    b(C::Filter, &[Key::plain(K::Down)], A::Down, Tr::new("in der Liste nach unten", "down in the list")),
    // Forms: the customer picker and choices come before the general form keys; everything else is typed
    b(C::FormPicker, &[Key::plain(K::Up)], A::Up, Tr::new("Kunden in der Trefferliste wählen (hoch)", "choose a customer from the matches (up)")),
    h(C::FormPicker, &[Key::plain(K::Down)], A::Down, Tr::new("Kunden in der Trefferliste wählen (runter)", "choose a customer from the matches (down)"), Tr::new("Treffer", "matches")),
    h(C::FormCheck, &[Key::ch(' ')], A::Toggle, Tr::new("ankreuzen oder Kreuz entfernen", "tick or untick"), Tr::new("ankreuzen", "tick")),
    h(C::FormChoice, &[Key::ch(' ')], A::Toggle, Tr::new("nächste Auswahl", "next choice"), Tr::new("Auswahl wechseln", "change")),
    b(C::FormChoice, &[Key::plain(K::Left)], A::ChoicePrev, Tr::new("vorige Auswahl", "previous choice")),
    b(C::FormChoice, &[Key::plain(K::Right)], A::ChoiceNext, Tr::new("nächste Auswahl", "next choice")),
    h(C::Form, &[Key::plain(K::Enter)], A::Submit, Tr::new("nächstes Feld; im letzten Feld speichern", "next field; saves in the last field"), Tr::new("weiter", "next")),
    h(C::Form, &[Key::ctrl('s')], A::Save, Tr::new("speichern", "save"), Tr::new("speichern", "save")),
    b(C::Form, &[Key::plain(K::Tab), Key::plain(K::Down)], A::NextField, Tr::new("nächstes Feld", "next field")),
    b(C::Form, &[Key::plain(K::BackTab), Key::plain(K::Up)], A::PrevField, Tr::new("voriges Feld", "previous field")),
    h(C::Form, &[Key::plain(K::Esc)], A::Cancel, Tr::new("abbrechen, nichts wird gespeichert", "cancel, nothing is saved"), Tr::new("abbrechen", "cancel")),
    h(C::Form, &[Key::plain(K::F(1))], A::Help, Tr::new("Hilfe", "help"), Tr::new("Hilfe", "help")),
    // Composer: picking a template
    h(C::Picker, &[Key::plain(K::Enter)], A::Open, Tr::new("Vorlage wählen und ausfüllen", "choose the template and fill it in"), Tr::new("wählen", "choose")),
    h(C::Picker, &[Key::ch('l')], A::Repeat, Tr::new("eine der letzten Rundnachrichten wiederholen (Auswahl, neueste zuerst)", "repeat one of the last broadcasts (a list, newest first)"), Tr::new("letzte wiederholen", "repeat last")),
    h(C::RecentPick, &[Key::plain(K::Enter)], A::Open, Tr::new("diese Rundnachricht wiederholen", "repeat this broadcast"), Tr::new("wiederholen", "repeat")),
    h(C::RecentPick, &[Key::plain(K::Esc)], A::Back, Tr::new("zurück zur Vorlagenauswahl", "back to the templates"), Tr::new("zurück", "back")),
    h(C::Picker, &[Key::ch('r')], A::Sync, Tr::new("Vorlagen neu von WhatsApp holen", "fetch the templates from WhatsApp again"), Tr::new("Vorlagen abgleichen", "sync templates")),
    // Composer: filling in (every other key is text)
    h(C::Composer, &[Key::plain(K::Enter)], A::Review, Tr::new("weiter zur Prüfung (noch wird nichts verschickt)", "on to the review (nothing is sent yet)"), Tr::new("prüfen", "review")),
    b(C::Composer, &[Key::plain(K::Tab), Key::plain(K::Down)], A::NextField, Tr::new("nächstes Feld", "next field")),
    b(C::Composer, &[Key::plain(K::BackTab), Key::plain(K::Up)], A::PrevField, Tr::new("voriges Feld", "previous field")),
    h(C::Composer, &[Key::plain(K::PageDown)], A::NextRecipient, Tr::new("Vorschau für den nächsten Empfänger", "preview for the next recipient"), Tr::new("Empfänger", "recipient")),
    b(C::Composer, &[Key::plain(K::PageUp)], A::PrevRecipient, Tr::new("Vorschau für den vorigen Empfänger", "preview for the previous recipient")),
    h(C::Composer, &[Key::ctrl('x')], A::Excluded, Tr::new("ausgeschlossene Kunden mit Grund", "excluded customers with the reason"), Tr::new("ausgeschlossen", "excluded")),
    h(C::Composer, &[Key::plain(K::Esc)], A::Cancel, Tr::new("zurück zur Vorlagenauswahl (nichts wird gespeichert)", "back to the templates (nothing is saved)"), Tr::new("zurück", "back")),
    h(C::Composer, &[Key::plain(K::F(2))], A::FirstName, Tr::new("Vorname des Kunden einsetzen (je Kunde ersetzt)", "put in the customer's first name (replaced per customer)"), Tr::new("Vorname", "first name")),
    h(C::Composer, &[Key::plain(K::F(1))], A::Help, Tr::new("Hilfe", "help"), Tr::new("Hilfe", "help")),
    b(C::Preview, &[Key::plain(K::Left)], A::PrevRecipient, Tr::new("voriger Empfänger", "previous recipient")),
    b(C::Preview, &[Key::plain(K::Right)], A::NextRecipient, Tr::new("nächster Empfänger", "next recipient")),
    // Composer: review
    h(C::Review, &[Key::ch('y')], A::Yes, Tr::new("in die Warteschlange stellen (verschicken)", "queue it (send)"), Tr::new("senden", "send")),
    h(C::Review, &[Key::ch('t')], A::TestSend, Tr::new("erst eine Testnachricht an deine eigene Nummer", "first a test message to your own number"), Tr::new("Test an mich", "test to me")),
    h(C::Review, &[Key::ch('e'), Key::plain(K::Esc)], A::Edit, Tr::new("zurück zum Bearbeiten", "back to editing"), Tr::new("bearbeiten", "edit")),
    h(C::Review, &[Key::ch('p')], A::Draft, Tr::new("als Entwurf behalten", "keep as draft"), Tr::new("Entwurf", "draft")),
    h(C::Review, &[Key::ch('n')], A::Discard, Tr::new("verwerfen", "discard"), Tr::new("verwerfen", "discard")),
    b(C::Review, &[Key::ch('x')], A::Excluded, Tr::new("ausgeschlossene Kunden mit Grund", "excluded customers with the reason")),
    // Excluded list
    h(C::Excluded, &[Key::plain(K::Esc), Key::ch('x'), Key::plain(K::Enter), Key::ctrl('x')], A::Back, Tr::new("Liste schließen", "close the list"), Tr::new("schließen", "close")),
    b(C::Excluded, UP, A::Up, Tr::new("nach oben blättern", "scroll up")),
    b(C::Excluded, DOWN, A::Down, Tr::new("nach unten blättern", "scroll down")),
    // Queue: an open alert (first, so its hint is always seen)
    h(C::QueueAlert, &[Key::ch('w')], A::ResolveAlerts, Tr::new("Warnung erledigt: Ursache behoben (z. B. neuer Token, Zahlungsmethode bei Meta), der Versand geht weiter", "alert resolved: the cause is fixed (e.g. a new token, the payment method at Meta), sending goes on"), Tr::new("Warnung erledigt", "alert resolved")),
    // Queue: broadcasts
    h(C::Queue, &[Key::plain(K::Enter)], A::Open, Tr::new("Nachricht und Empfänger mit Zustand (ein Entwurf: öffnen zum Ändern)", "the message and its recipients with their state (a draft: open it to change)"), Tr::new("Details", "details")),
    h(C::Queue, &[Key::ch('a')], A::Replies, Tr::new("Antworten der Kunden zeigen", "show the customers' replies"), Tr::new("Antworten", "replies")),
    h(C::Queue, &[Key::ch('p')], A::Pause, Tr::new("Versand anhalten", "pause sending"), Tr::new("anhalten", "pause")),
    h(C::Queue, &[Key::ch('r')], A::Resume, Tr::new("Versand fortsetzen (auch einen Entwurf einreihen)", "resume sending (also queue a draft)"), Tr::new("fortsetzen", "resume")),
    h(C::Queue, &[Key::ch('c')], A::CancelBroadcast, Tr::new("abbrechen: wartende Nachrichten gehen nicht mehr raus (fragt vorher)", "cancel: waiting messages are not sent (asks first)"), Tr::new("abbrechen", "cancel")),
    h(C::Queue, &[Key::ch('f')], A::RetryFailed, Tr::new("fehlgeschlagene noch einmal versuchen", "try the failed ones again"), Tr::new("Fehler erneut", "retry failed")),
    // Queue: one broadcast
    h(C::QueueDetail, &[Key::plain(K::Enter)], A::Open, Tr::new("die ganze Nachricht zeigen (wie sie rausgeht)", "show the whole message (as it goes out)"), Tr::new("Text", "text")),
    h(C::QueueDetail, &[Key::plain(K::Esc), Key::plain(K::Backspace)], A::Back, Tr::new("zurück zur Liste", "back to the list"), Tr::new("zurück", "back")),
    h(C::QueueDetail, &[Key::ch('s')], A::SendAgain, Tr::new("Nachricht noch ohne Bestätigung von WhatsApp noch einmal senden", "send the message without WhatsApp's confirmation again"), Tr::new("erneut senden", "send again")),
    h(C::QueueDetail, &[Key::ch('m')], A::MarkSent, Tr::new("Nachricht noch ohne Bestätigung von WhatsApp als gesendet zählen", "count the message without WhatsApp's confirmation as sent"), Tr::new("als gesendet", "mark sent")),
    b(C::QueueDetail, &[Key::ch('p')], A::Pause, Tr::new("Versand anhalten", "pause sending")),
    b(C::QueueDetail, &[Key::ch('r')], A::Resume, Tr::new("Versand fortsetzen", "resume sending")),
    b(C::QueueDetail, &[Key::ch('c')], A::CancelBroadcast, Tr::new("abbrechen (fragt vorher)", "cancel (asks first)")),
    h(C::QueueDetail, &[Key::ch('f')], A::RetryFailed, Tr::new("fehlgeschlagene noch einmal versuchen", "try the failed ones again"), Tr::new("Fehler erneut", "retry failed")),
    // Queue: replies
    h(C::Replies, &[Key::plain(K::Enter)], A::Answer, Tr::new("Unterhaltung öffnen und antworten (gilt als gelesen)", "open the conversation and answer (marks it read)"), Tr::new("antworten", "answer")),
    h(C::Replies, &[Key::ch('a'), Key::plain(K::Esc)], A::Replies, Tr::new("zurück zu den Rundnachrichten", "back to the broadcasts"), Tr::new("Rundnachrichten", "broadcasts")),
    // A conversation; with the window open, every other key is text
    h(C::ReplyInput, &[Key::plain(K::Enter)], A::SendReply, Tr::new("Antwort senden (im 24-Stunden-Fenster, zum Preis für Service-Nachrichten)", "send the answer (within the 24 h window, at the service price)"), Tr::new("senden", "send")),
    b(C::ReplyInput, &[Key::plain(K::Up)], A::Up, Tr::new("ältere Nachrichten", "older messages")),
    b(C::ReplyInput, &[Key::plain(K::Down)], A::Down, Tr::new("neuere Nachrichten", "newer messages")),
    h(C::Conversation, &[Key::plain(K::Esc)], A::Back, Tr::new("zurück zu den Antworten", "back to the replies"), Tr::new("zurück", "back")),
    b(C::Conversation, UP, A::Up, Tr::new("ältere Nachrichten", "older messages")),
    b(C::Conversation, DOWN, A::Down, Tr::new("neuere Nachrichten", "newer messages")),
    // Welcome (first start)
    h(C::Welcome, &[Key::ch('d')], A::Demo, Tr::new("Demo starten (eigene Demo-Datenbank, nichts wird verschickt)", "start the demo (its own database, nothing is sent)"), Tr::new("Demo", "demo")),
    h(C::Welcome, &[Key::ch('s'), Key::plain(K::Enter)], A::Setup, Tr::new("einrichten: Hofname, Adresse, eigene Nummer (WhatsApp später unter 5 Einstellungen)", "set up: shop name, address, own number (WhatsApp later under 5 Settings)"), Tr::new("einrichten", "set up")),
    h(C::Welcome, &[Key::ch('q')], A::Quit, Tr::new("beenden", "quit"), Tr::new("beenden", "quit")),
    // Settings (tab 5)
    h(C::Settings, &[Key::ch('e')], A::Edit, Tr::new("Hofdaten, Ruhezeit, Preise und Tageslimit ändern", "change shop data, quiet hours, prices and limit"), Tr::new("Hof ändern", "edit shop")),
    h(C::Settings, &[Key::ch('w')], A::Connect, Tr::new("WhatsApp verbinden: IDs und Zugangsschlüssel aus dem Meta-Portal", "connect WhatsApp: ids and token from Meta's portal"), Tr::new("WhatsApp verbinden", "connect")),
    h(C::Settings, &[Key::ch('t')], A::ConnectionTest, Tr::new("Verbindung zu WhatsApp testen (Nummer abfragen, Vorlagen abgleichen)", "test the WhatsApp connection (number, template sync)"), Tr::new("testen", "test")),
    h(C::Settings, &[Key::ch('i')], A::InstallService, Tr::new("Dienst einrichten: Versand auch bei geschlossener App (systemd)", "set up the service: sending while the app is closed (systemd)"), Tr::new("Dienst", "service")),
    b(C::Settings, &[Key::plain(K::Esc)], A::Back, Tr::new("Ergebnis schließen", "close the result")),
    // Customer detail: answer
    b(C::Detail, &[Key::ch('r')], A::Answer, Tr::new("Antworten des Kunden lesen und antworten", "read the customer's replies and answer")),
    // Customer detail
    h(C::Detail, &[Key::plain(K::Esc), Key::plain(K::Backspace)], A::Back, Tr::new("zurück zur Kundenliste", "back to the customer list"), Tr::new("zurück", "back")),
    h(C::Detail, &[Key::ch('c')], A::Record, Tr::new("Einwilligung für diesen Kunden erfassen", "record consent for this customer"), Tr::new("Einwilligung", "consent")),
    h(C::Detail, &[Key::ch('w')], A::Withdraw, Tr::new("Widerruf für diesen Kunden erfassen", "record a withdrawal for this customer"), Tr::new("Widerruf", "withdraw")),
    h(C::Detail, &[Key::ch('e')], A::Edit, Tr::new("Kunden ändern", "edit the customer"), Tr::new("ändern", "edit")),
    b(C::Detail, &[Key::ch('d')], A::Delete, Tr::new("Kunden löschen (fragt vorher)", "erase the customer (asks first)")),
    // Import view (customer list, i): the path field, then the dry run
    h(C::ImportPath, &[Key::plain(K::Enter)], A::Submit, Tr::new("Datei prüfen (Probelauf, noch wird nichts gespeichert)", "check the file (dry run, nothing is stored yet)"), Tr::new("prüfen", "check")),
    h(C::ImportPath, &[Key::plain(K::Tab)], A::Complete, Tr::new("Ordner und Dateinamen ergänzen (~ = dein Home-Ordner)", "complete folders and file names (~ = your home folder)"), Tr::new("ergänzen", "complete")),
    h(C::ImportPath, &[Key::plain(K::Esc)], A::Cancel, Tr::new("abbrechen, nichts wird gespeichert", "cancel, nothing is stored"), Tr::new("abbrechen", "cancel")),
    h(C::ImportPath, &[Key::plain(K::F(1))], A::Help, Tr::new("Hilfe", "help"), Tr::new("Hilfe", "help")),
    h(C::ImportPreview, &[Key::ch('y')], A::Yes, Tr::new("übernehmen: alles in einem Schritt speichern", "apply: store everything in one step"), Tr::new("übernehmen", "apply")),
    h(C::ImportPreview, &[Key::plain(K::Esc), Key::ch('n')], A::Back, Tr::new("zurück zum Dateinamen, nichts wird gespeichert", "back to the file name, nothing is stored"), Tr::new("zurück", "back")),
    h(C::ImportConsent, &[Key::ch('e')], A::Record, Tr::new("Einwilligungen aus der Datei übernehmen (nur mit den Formularen)", "take the file's consents (only with the forms)"), Tr::new("Einwilligungen", "consents")),
    h(C::ImportEvidence, &[Key::plain(K::Enter)], A::Submit, Tr::new("mit diesem Nachweis neu prüfen (noch wird nichts gespeichert)", "check again with this evidence (nothing is stored yet)"), Tr::new("prüfen", "check")),
    h(C::ImportEvidence, &[Key::plain(K::Esc)], A::Back, Tr::new("zurück, Einwilligungen nicht übernehmen", "back, do not take the consents"), Tr::new("zurück", "back")),
    b(C::ImportPreview, UP, A::Up, Tr::new("nach oben blättern", "scroll up")),
    b(C::ImportPreview, DOWN, A::Down, Tr::new("nach unten blättern", "scroll down")),
    b(C::ImportPreview, &[Key::plain(K::PageUp)], A::PageUp, Tr::new("eine Seite hoch", "page up")),
    b(C::ImportPreview, &[Key::plain(K::PageDown)], A::PageDown, Tr::new("eine Seite runter", "page down")),
    h(C::ImportPreview, &[Key::ch('?'), Key::plain(K::F(1))], A::Help, Tr::new("Hilfe: alle Tasten", "help: all keys"), Tr::new("Hilfe", "help")),
    // Customer list
    h(C::Customers, &[Key::ch('a')], A::Add, Tr::new("neuen Kunden anlegen", "add a customer"), Tr::new("neu", "add")),
    h(C::Customers, &[Key::ch('i')], A::Import, Tr::new("Kunden aus Datei importieren (erst Probelauf)", "import customers from a file (dry run first)"), Tr::new("Import", "import")),
    h(C::Customers, &[Key::ch('/')], A::Filter, Tr::new("suchen in Name, Telefon, Schlagworten", "search name, phone, tags"), Tr::new("suchen", "search")),
    h(C::Customers, &[Key::plain(K::Enter)], A::Open, Tr::new("Details und Nachweise des Kunden", "details and consent evidence"), Tr::new("Details", "details")),
    // Customer list and detail: a message to one customer, or a few (Space marks; its hint is the count above the list)
    b(C::Customers, &[Key::ch(' ')], A::Mark, Tr::new("Kunden markieren / Markierung aufheben (für eine Nachricht an diese)", "mark / unmark the customer (for a message to these)")),
    h(C::Customers, &[Key::ch('m')], A::MessageTo, Tr::new("Nachricht an die markierten Kunden (ohne Markierung: an den gewählten)", "message to the marked customers (none marked: to the selected one)"), Tr::new("Nachricht", "message")),
    h(C::Detail, &[Key::ch('m')], A::MessageTo, Tr::new("Nachricht an diesen Kunden", "message to this customer"), Tr::new("Nachricht", "message")),
    h(C::Customers, &[Key::ch('e')], A::Edit, Tr::new("Kunden ändern", "edit the customer"), Tr::new("ändern", "edit")),
    h(C::Customers, &[Key::ch('d')], A::Delete, Tr::new("Kunden löschen (fragt vorher)", "erase the customer (asks first)"), Tr::new("löschen", "erase")),
    h(C::Customers, &[Key::ch('t')], A::TagFilter, Tr::new("nach Schlagwort filtern (wechselt durch alle)", "filter by tag (cycles through all)"), Tr::new("Schlagwort", "tag")),
    h(C::Customers, &[Key::ch('s')], A::Sort, Tr::new("sortieren nach Name oder letzter Änderung", "sort by name or last change"), Tr::new("sortieren", "sort")),
    b(C::Customers, &[Key::ch('c')], A::Record, Tr::new("Einwilligung für den gewählten Kunden erfassen", "record consent for the selected customer")),
    b(C::Customers, &[Key::ch('w')], A::Withdraw, Tr::new("Widerruf für den gewählten Kunden erfassen", "record a withdrawal for the selected customer")),
    b(C::Customers, &[Key::plain(K::Esc)], A::Back, Tr::new("Suche und Schlagwort-Filter löschen", "clear search and tag filter")),
    // A customer's data requests (detail and list)
    h(C::Detail, &[Key::ch('x')], A::DataExport, Tr::new("Auskunft (Art. 15) als Datei speichern", "save the data export (Art. 15) as a file"), Tr::new("Auskunft", "export")),
    b(C::Detail, &[Key::ch('p')], A::ConsentProof, Tr::new("Nachweis der Einwilligungen als Datei (zum Drucken)", "save the consent proof as a file (to print)")),
    b(C::Customers, &[Key::ch('x')], A::DataExport, Tr::new("Auskunft (Art. 15) als Datei speichern", "save the data export (Art. 15) as a file")),
    b(C::Customers, &[Key::ch('p')], A::ConsentProof, Tr::new("Nachweis der Einwilligungen als Datei (zum Drucken)", "save the consent proof as a file (to print)")),
    // Consent screen
    h(C::Consent, &[Key::ch('a'), Key::ch('c')], A::Record, Tr::new("Einwilligung vom Papierformular erfassen", "record consent from a paper form"), Tr::new("erfassen", "record")),
    h(C::Consent, &[Key::ch('w')], A::Withdraw, Tr::new("Widerruf erfassen", "record a withdrawal"), Tr::new("Widerruf", "withdraw")),
    h(C::Consent, &[Key::ch('p')], A::PurposeFilter, Tr::new("Nachweise nach Zweck filtern", "filter evidence by purpose"), Tr::new("Zweck", "purpose")),
    h(C::Consent, &[Key::ch('s')], A::SourceFilter, Tr::new("Nachweise nach Quelle filtern", "filter evidence by source"), Tr::new("Quelle", "source")),
    b(C::Consent, &[Key::plain(K::Esc)], A::Back, Tr::new("Filter löschen", "clear filters")),
    // Moving in lists
    b(C::Lists, UP, A::Up, Tr::new("nach oben", "up")),
    b(C::Lists, DOWN, A::Down, Tr::new("nach unten", "down")),
    b(C::Lists, &[Key::plain(K::PageUp)], A::PageUp, Tr::new("eine Seite hoch", "page up")),
    b(C::Lists, &[Key::plain(K::PageDown)], A::PageDown, Tr::new("eine Seite runter", "page down")),
    b(C::Lists, &[Key::plain(K::Home), Key::ch('g')], A::Home, Tr::new("zum Anfang", "to the top")),
    b(C::Lists, &[Key::plain(K::End), Key::ch('G')], A::End, Tr::new("zum Ende", "to the end")),
    // Everywhere except while typing
    b(C::Global, &[Key::ch('1')], A::Tab(Screen::Customers), Tr::new("Bildschirm Kunden", "screen Customers")),
    b(C::Global, &[Key::ch('2')], A::Tab(Screen::Consent), Tr::new("Bildschirm Einwilligungen", "screen Consent")),
    b(C::Global, &[Key::ch('3')], A::Tab(Screen::Composer), Tr::new("Bildschirm Nachricht", "screen Message")),
    b(C::Global, &[Key::ch('4')], A::Tab(Screen::Queue), Tr::new("Bildschirm Warteschlange", "screen Send queue")),
    b(C::Global, &[Key::ch('5')], A::Tab(Screen::Settings), Tr::new("Bildschirm Einstellungen", "screen Settings")),
    b(C::Global, &[Key::plain(K::Tab)], A::NextTab, Tr::new("nächster Bildschirm", "next screen")),
    b(C::Global, &[Key::plain(K::BackTab)], A::PrevTab, Tr::new("voriger Bildschirm", "previous screen")),
    h(C::Global, &[Key::ch('q')], A::Quit, Tr::new("beenden", "quit"), Tr::new("beenden", "quit")),
    h(C::Global, &[Key::ch('?'), Key::plain(K::F(1))], A::Help, Tr::new("Hilfe: alle Tasten", "help: all keys"), Tr::new("Hilfe", "help")),
];

/// The action of `key` in the first context of `chain` that binds it.
pub fn lookup(chain: &[Ctx], key: Key) -> Option<Action> {
    chain.iter().find_map(|ctx| KEYMAP.iter().find(|b| b.ctx == *ctx && b.keys.contains(&key)).map(|b| b.action))
}

/// All bindings of `chain`, in chain order (a key bound earlier hides the same key later).
pub fn bindings(chain: &[Ctx]) -> Vec<&'static Binding> {
    let mut out: Vec<&'static Binding> = Vec::new();
    for ctx in chain {
        for row in KEYMAP.iter().filter(|b| b.ctx == *ctx) {
            let shadowed = row.keys.iter().all(|k| lookup(chain, *k) != Some(row.action));
            if !shadowed && !out.iter().any(|o| o.action == row.action && o.keys == row.keys) {
                out.push(row);
            }
        }
    }
    out
}

/// The first key that triggers `action` in `chain` (for sentences like "Drücke a, …").
pub fn key_for(chain: &[Ctx], action: Action) -> Option<Key> {
    bindings(chain).into_iter().find(|b| b.action == action).and_then(|b| b.keys.first().copied())
}

/// All keys of a binding, e.g. `↓/j`.
pub fn keys_label(binding: &Binding, lang: Lang, theme: Theme) -> String {
    binding.keys.iter().map(|k| k.label(lang, theme)).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventState;

    #[test]
    fn typing_contexts_bind_no_plain_letters() {
        // In the search and in forms, every character must be text.
        for row in KEYMAP.iter().filter(|b| {
            matches!(
                b.ctx,
                Ctx::Filter
                    | Ctx::Form
                    | Ctx::FormPicker
                    | Ctx::Composer
                    | Ctx::ReplyInput
                    | Ctx::ImportPath
                    | Ctx::ImportEvidence
            )
        }) {
            for key in row.keys {
                let plain_char = matches!(key.code, KeyCode::Char(_)) && key.mods == KeyModifiers::NONE;
                assert!(!plain_char, "{row:?} would swallow a typed character");
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                if a.ctx == b.ctx {
                    for k in a.keys {
                        assert!(!b.keys.contains(k), "{k:?} twice in {:?}", a.ctx);
                    }
                }
            }
        }
    }

    #[test]
    fn lookup_respects_the_chain() {
        assert_eq!(lookup(&[Ctx::Customers, Ctx::Lists, Ctx::Global], Key::ch('q')), Some(Action::Quit));
        assert_eq!(lookup(&[Ctx::Always, Ctx::Form], Key::ch('q')), None);
        assert_eq!(lookup(&[Ctx::Always, Ctx::Form], Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(lookup(&[Ctx::FormPicker, Ctx::Form], Key::plain(KeyCode::Down)), Some(Action::Down));
        assert_eq!(lookup(&[Ctx::Form], Key::plain(KeyCode::Down)), Some(Action::NextField));
    }

    #[test]
    fn shift_is_folded_into_characters_and_releases_ignored() {
        let ev = |code, mods, kind| KeyEvent { code, modifiers: mods, kind, state: KeyEventState::NONE };
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT, KeyEventKind::Press)),
            Some(Key::ch('G'))
        );
        assert_eq!(
            Key::from_event(&ev(KeyCode::BackTab, KeyModifiers::SHIFT, KeyEventKind::Press)),
            Some(Key::plain(KeyCode::BackTab))
        );
        assert_eq!(Key::from_event(&ev(KeyCode::Char('a'), KeyModifiers::NONE, KeyEventKind::Release)), None);
    }

    #[test]
    fn labels_in_both_languages_and_ascii() {
        let t = Theme::new(true, false);
        assert_eq!(Key::ctrl('s').label(Lang::De, t), "Strg+S");
        assert_eq!(Key::ctrl('s').label(Lang::En, t), "Ctrl+S");
        assert_eq!(Key::plain(KeyCode::PageDown).label(Lang::De, t), "Bild↓");
        assert_eq!(Key::plain(KeyCode::Up).label(Lang::En, Theme::new(true, true)), "Up");
        let down = KEYMAP.iter().find(|b| b.ctx == Ctx::Lists && b.action == Action::Down).unwrap();
        assert_eq!(keys_label(down, Lang::De, t), "↓/j");
    }
}
