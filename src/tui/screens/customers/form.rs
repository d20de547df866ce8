//! The customer form (add and edit): name, first name, phone, tags, note. Each field is checked when it is left
//! and again on every change once it showed an error; phone errors are explained in German by the domain
//! (`PhoneError::localized`). Saving produces an `Effect::SaveCustomer`; a taken number comes back as an error
//! under the phone field. Must not perform IO.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::super::{Env, Outcome};
use crate::domain::customer::{Customer, CustomerDraft, CustomerError, clean_text, validate_name};
use crate::domain::phone::{Phone, Region};
use crate::i18n::{Lang, Localized};
use crate::store::StoreError;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Failure};
use crate::tui::text;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::popup;

pub const NAME: usize = 0;
pub const FIRST: usize = 1;
pub const PHONE: usize = 2;
pub const TAGS: usize = 3;
pub const NOTE: usize = 4;

/// Line breaks of a stored note, shown in the one-line field.
const NEWLINE_MARK: char = '¶';

#[derive(Debug, Clone)]
pub struct CustomerForm {
    /// `None` when adding.
    pub id: Option<i64>,
    pub form: Form,
    pub saving: bool,
    /// Editing a customer known by WhatsApp user id alone: the number may stay empty.
    pub number_optional: bool,
}

impl CustomerForm {
    pub fn add() -> CustomerForm {
        CustomerForm { id: None, form: Form::new(fields("", "", "", "", "")), saving: false, number_optional: false }
    }

    pub fn edit(c: &Customer, region: Region) -> CustomerForm {
        let note = c.note.replace('\n', &NEWLINE_MARK.to_string());
        let fields = fields(
            &clean_text(&c.name),
            &clean_text(&c.first_name),
            &c.phone.as_ref().map(|p| p.display_for(region)).unwrap_or_default(),
            &c.tags.join(", "),
            &note.chars().filter(|ch| !ch.is_control()).collect::<String>(),
        );
        let number_optional = c.phone.is_none() && c.user_id.is_some();
        CustomerForm { id: Some(c.id), form: Form::new(fields), saving: false, number_optional }
    }

    /// Types into the focused field and re-checks it if it already showed an error.
    pub fn type_key(&mut self, ev: &KeyEvent, region: Region, lang: Lang) {
        let i = self.form.focus;
        if self.form.type_key(ev) && self.form.fields.get(i).is_some_and(|f| f.error.is_some()) {
            self.check_field(i, region, lang);
        }
    }

    /// Checks one field; sets or clears its error.
    fn check_field(&mut self, i: usize, region: Region, lang: Lang) {
        let value = self.form.field(i).to_owned();
        let error = match i {
            NAME => validate_name(&value).err().map(|e| e.localized(lang)),
            PHONE if self.number_optional && value.trim().is_empty() => None,
            PHONE => Phone::parse(&value, region).err().map(|e| e.localized(lang)),
            _ => None,
        };
        self.form.set_error(i, error);
    }

    /// Checks everything; the draft when all is well.
    pub fn validate(&mut self, region: Region, lang: Lang) -> Option<CustomerDraft> {
        for i in [NAME, PHONE] {
            self.check_field(i, region, lang);
        }
        let phone = match self.form.field(PHONE) {
            v if self.number_optional && v.trim().is_empty() => None,
            v => Some(Phone::parse(v, region).ok()?),
        };
        let note = self.form.field(NOTE).replace(NEWLINE_MARK, "\n");
        match CustomerDraft::new(
            self.form.field(NAME),
            self.form.field(FIRST),
            phone,
            &[self.form.field(TAGS).to_owned()],
            &note,
        ) {
            Ok(draft) if !self.form.has_errors() => Some(draft),
            Ok(_) => None,
            Err(e) => {
                let at = match &e {
                    CustomerError::NameEmpty => NAME,
                    CustomerError::TooLong { field: "Vorname", .. } => FIRST,
                    CustomerError::TooLong { field: "Notiz", .. } => NOTE,
                    CustomerError::TooLong { .. } => NAME,
                    CustomerError::PhoneMissing => PHONE,
                };
                self.form.set_error(at, Some(e.localized(lang)));
                None
            }
        }
    }

    /// Shows a failed save at the field it concerns; `false` if it belongs in the status line.
    pub fn show_failure(&mut self, error: &Failure, lang: Lang) -> bool {
        self.saving = false;
        let at = match error {
            Failure::Store(StoreError::PhoneTaken(_)) => PHONE,
            Failure::Store(StoreError::Customer(CustomerError::NameEmpty)) => NAME,
            _ => return false,
        };
        self.form.set_error(at, Some(error.localized(lang)));
        self.form.focus = at;
        true
    }
}

fn fields(name: &str, first: &str, phone: &str, tags: &str, note: &str) -> Vec<Field> {
    vec![
        Field::text(text::F_NAME, name),
        Field::text(text::F_FIRST_NAME, first),
        Field::text(text::F_PHONE, phone).with_hint("0171 1234567"),
        Field::text(text::F_TAGS, tags).with_hint("Rind, Eier"),
        Field::text(text::F_NOTE, note),
    ]
}

/// A command key in the form; the form comes back unless it closes.
pub fn on_action(mut f: CustomerForm, env: &Env, action: Action) -> (Option<CustomerForm>, Vec<Outcome>) {
    let (region, lang) = (env.region, env.lang);
    let mut outcomes = Vec::new();
    match action {
        Action::Cancel => return (None, outcomes),
        Action::NextField | Action::PrevField => {
            let i = f.form.focus;
            f.check_field(i, region, lang);
            if action == Action::NextField { f.form.next() } else { f.form.prev() }
        }
        Action::Submit if !f.form.is_last() => {
            let i = f.form.focus;
            f.check_field(i, region, lang);
            f.form.next();
        }
        Action::Submit | Action::Save => {
            if f.saving {
                // Already on its way; a second Enter must not save twice.
            } else if let Some(draft) = f.validate(region, lang) {
                f.saving = true;
                outcomes.push(Outcome::Info(text::SAVING.get(lang).to_owned()));
                outcomes.push(Outcome::Effect(Effect::SaveCustomer { id: f.id, draft }));
            } else {
                f.form.focus_first_error();
            }
        }
        _ => {}
    }
    (Some(f), outcomes)
}

/// What the status line says when the save went through (`added`: a new customer).
pub fn saved_text(added: bool, c: &Customer, lang: Lang) -> String {
    let text = if added { text::CUSTOMER_ADDED } else { text::CUSTOMER_SAVED };
    text.fill(lang, &[&crate::tui::widgets::text::safe(&c.name)])
}

pub fn render(frame: &mut Frame<'_>, area: Rect, f: &CustomerForm, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let w = area.width.saturating_sub(4).min(76);
    let h = form::height(&f.form, &Vec::new(), w.saturating_sub(4), lang) + 3;
    let rect = popup::centered(area, w, h);
    let title = if f.id.is_some() { text::EDIT_CUSTOMER } else { text::NEW_CUSTOMER };
    let inner = popup::open(frame, rect, title.get(lang), theme);
    let inner = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    form::render(frame, inner, &f.form, &Vec::new(), theme, lang);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kim(phone: Option<Phone>, user_id: Option<&str>) -> Customer {
        let at = chrono::DateTime::UNIX_EPOCH;
        Customer {
            id: 7,
            name: "Kim Sommer".into(),
            first_name: "Kim".into(),
            phone,
            user_id: user_id.map(str::to_owned),
            tags: vec![],
            note: String::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// Issue 14 §4: a customer known only by user id can be edited (renamed) with the number left empty; a new
    /// customer and one with a number still need a number.
    #[test]
    fn the_number_may_stay_empty_only_for_a_customer_known_by_user_id() {
        let (region, lang) = (Region::DE, Lang::De);
        let mut f = CustomerForm::edit(&kim(None, Some("DE.7")), region);
        assert_eq!(f.form.field(PHONE), "");
        let draft = f.validate(region, lang).expect("no number needed");
        assert_eq!((draft.name.as_str(), draft.phone), ("Kim Sommer", None));
        let with_number = kim(Some(Phone::parse("0171 1234567", region).unwrap()), Some("DE.7"));
        let mut f = CustomerForm::edit(&with_number, region);
        assert!(f.validate(region, lang).is_some());
        f.form = Form::new(fields("Kim Sommer", "Kim", "", "", ""));
        assert!(f.validate(region, lang).is_none(), "a number cannot be removed");
        let mut f = CustomerForm::add();
        f.form = Form::new(fields("Neu", "", "", "", ""));
        assert!(f.validate(region, lang).is_none());
    }
}
