//! Which CSV column means what: German and English header names (case-insensitive), Google Contacts' numbered
//! `Phone N - Type/Value` pairs and `Group Membership` labels, Outlook's phone columns, hofbote's own export, and the
//! consent columns. Pure: decides meaning only, reads no files and knows nothing of the database.

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    FirstName,
    LastName,
    /// A phone column; a lower rank is preferred (mobile before general before home before business).
    Phone(u8),
    /// Google's `Phone N - Type` (or `- Label`).
    GooglePhoneType(u8),
    /// Google's `Phone N - Value`.
    GooglePhoneValue(u8),
    /// Tags separated by `,` or `;`.
    Tags,
    /// Google labels: `* myContacts ::: Rind`.
    GoogleGroups,
    Note,
    ConsentService,
    ConsentMarketing,
    ConsentDate,
    ConsentVersion,
}

impl Field {
    pub fn is_consent(self) -> bool {
        matches!(self, Field::ConsentService | Field::ConsentMarketing | Field::ConsentDate | Field::ConsentVersion)
    }

    /// What the column becomes, in the words of the customer list ("Vorname", "Telefon (Handy)").
    pub fn label(self) -> crate::i18n::Tr {
        use crate::i18n::Tr;
        match self {
            Field::Name => Tr::new("Name", "name"),
            Field::FirstName => Tr::new("Vorname", "first name"),
            Field::LastName => Tr::new("Nachname (Name = Vorname Nachname)", "last name (name = first + last)"),
            Field::Phone(RANK_MOBILE) => Tr::new("Telefon (Handy, bevorzugt)", "phone (mobile, preferred)"),
            Field::Phone(_) | Field::GooglePhoneValue(_) => Tr::new("Telefon", "phone"),
            Field::GooglePhoneType(_) => Tr::new("Art der Telefonnummer", "phone type"),
            Field::Tags | Field::GoogleGroups => Tr::new("Schlagworte", "tags"),
            Field::Note => Tr::new("Notiz", "note"),
            Field::ConsentService => Tr::new("Einwilligung Termine", "service consent"),
            Field::ConsentMarketing => Tr::new("Einwilligung Angebote", "marketing consent"),
            Field::ConsentDate => Tr::new("Datum der Einwilligung", "consent date"),
            Field::ConsentVersion => Tr::new("Version des Einwilligungstexts", "consent wording version"),
        }
    }
}

/// One column of the file and what hofbote makes of it (the dry run shows these: "Spalte ‚Vorname‘ → Vorname").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub header: String,
    pub field: Field,
}

/// Phone ranks.
pub const RANK_MOBILE: u8 = 0;
pub const RANK_GENERAL: u8 = 1;
pub const RANK_HOME: u8 = 2;
pub const RANK_BUSINESS: u8 = 3;

/// Lower case, `_` as space, runs of whitespace collapsed: `First_Name` and ` first  name` are the same header.
pub fn normalize_header(header: &str) -> String {
    header.trim().replace('_', " ").to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The meaning of a header, or `None` for a column that is ignored.
pub fn classify(header: &str) -> Option<Field> {
    let h = normalize_header(header);
    let field = match h.as_str() {
        "name" | "anzeigename" | "display name" | "full name" => Field::Name,
        "vorname" | "given name" | "first name" => Field::FirstName,
        "nachname" | "familienname" | "family name" | "last name" => Field::LastName,
        "mobil" | "mobiltelefon" | "handy" | "handynummer" | "mobilnummer" | "mobile" | "mobile phone" => {
            Field::Phone(RANK_MOBILE)
        }
        "telefon" | "telefonnummer" | "phone" | "phone number" | "primary phone" => Field::Phone(RANK_GENERAL),
        "home phone" | "telefon privat" => Field::Phone(RANK_HOME),
        "business phone" | "telefon geschäftlich" => Field::Phone(RANK_BUSINESS),
        "tags" | "schlagworte" | "gruppen" | "gruppe" | "kategorien" | "categories" => Field::Tags,
        "group membership" | "labels" => Field::GoogleGroups,
        "notiz" | "notizen" | "bemerkung" | "bemerkungen" | "note" | "notes" => Field::Note,
        "einwilligung termine" | "service consent" => Field::ConsentService,
        "einwilligung werbung" | "marketing consent" => Field::ConsentMarketing,
        "einwilligung datum" | "consent date" => Field::ConsentDate,
        "einwilligung version" | "consent version" => Field::ConsentVersion,
        _ => return google_phone(&h),
    };
    Some(field)
}

/// `phone 2 - value` → `GooglePhoneValue(2)`; `phone 1 - type` / `phone 1 - label` → `GooglePhoneType(1)`.
fn google_phone(h: &str) -> Option<Field> {
    let rest = h.strip_prefix("phone ")?;
    let (number, kind) = rest.split_once(" - ")?;
    let n: u8 = number.trim().parse().ok()?;
    match kind.trim() {
        "value" => Some(Field::GooglePhoneValue(n)),
        "type" | "label" => Some(Field::GooglePhoneType(n)),
        _ => None,
    }
}

/// Whether a Google phone type means a mobile number (`Mobile`, `Mobil`, `Handy`, `* Mobile`).
pub fn is_mobile_type(kind: &str) -> bool {
    let k = kind.trim().trim_start_matches('*').trim().to_lowercase();
    matches!(k.as_str(), "mobile" | "mobil" | "handy" | "cell" | "mobiltelefon")
}

/// Google writes several values in one cell separated by ` ::: `; the first one counts.
pub fn first_google_value(cell: &str) -> &str {
    cell.split(":::").map(str::trim).find(|v| !v.is_empty()).unwrap_or("")
}

/// Google labels without the system groups (`* myContacts`, `* starred`), which are not the shop's tags.
pub fn google_groups(cell: &str) -> Vec<String> {
    cell.split(":::").map(str::trim).filter(|g| !g.is_empty() && !g.starts_with('*')).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_headers_in_any_case() {
        assert_eq!(classify("NAME"), Some(Field::Name));
        assert_eq!(classify(" Vorname "), Some(Field::FirstName));
        assert_eq!(classify("Given Name"), Some(Field::FirstName));
        assert_eq!(classify("first_name"), Some(Field::FirstName));
        assert_eq!(classify("Family Name"), Some(Field::LastName));
        assert_eq!(classify("last name"), Some(Field::LastName));
        assert_eq!(classify("Nachname"), Some(Field::LastName));
        assert_eq!(classify("Telefon"), Some(Field::Phone(RANK_GENERAL)));
        assert_eq!(classify("phone"), Some(Field::Phone(RANK_GENERAL)));
        assert_eq!(classify("Handy"), Some(Field::Phone(RANK_MOBILE)));
        assert_eq!(classify("Mobil"), Some(Field::Phone(RANK_MOBILE)));
        assert_eq!(classify("Mobiltelefon"), Some(Field::Phone(RANK_MOBILE)));
        assert_eq!(classify("Tags"), Some(Field::Tags));
        assert_eq!(classify("gruppen"), Some(Field::Tags));
        assert_eq!(classify("Notiz"), Some(Field::Note));
        assert_eq!(classify("Bemerkung"), Some(Field::Note));
        assert_eq!(classify("Notes"), Some(Field::Note));
        assert_eq!(classify("E-Mail"), None);
        assert_eq!(classify(""), None);
    }

    #[test]
    fn outlook_phone_columns_are_ranked() {
        assert_eq!(classify("Mobile Phone"), Some(Field::Phone(RANK_MOBILE)));
        assert_eq!(classify("Primary Phone"), Some(Field::Phone(RANK_GENERAL)));
        assert_eq!(classify("Home Phone"), Some(Field::Phone(RANK_HOME)));
        assert_eq!(classify("Business Phone"), Some(Field::Phone(RANK_BUSINESS)));
        assert_eq!(classify("Home Phone 2"), None);
        assert_eq!(classify("Categories"), Some(Field::Tags));
    }

    #[test]
    fn google_columns() {
        assert_eq!(classify("Phone 1 - Type"), Some(Field::GooglePhoneType(1)));
        assert_eq!(classify("Phone 3 - Value"), Some(Field::GooglePhoneValue(3)));
        assert_eq!(classify("Phone 2 - Label"), Some(Field::GooglePhoneType(2)));
        assert_eq!(classify("Phone x - Value"), None);
        assert_eq!(classify("Group Membership"), Some(Field::GoogleGroups));
        assert_eq!(classify("Labels"), Some(Field::GoogleGroups));
        assert!(is_mobile_type("Mobile"));
        assert!(is_mobile_type("* Mobile"));
        assert!(!is_mobile_type("Home"));
        assert_eq!(first_google_value("0171 1234567 ::: 0172 1234567"), "0171 1234567");
        assert_eq!(google_groups("* myContacts ::: Rind ::: Eier"), vec!["Rind", "Eier"]);
        assert_eq!(google_groups("* myContacts ::: * starred"), Vec::<String>::new());
    }

    #[test]
    fn consent_columns() {
        assert_eq!(classify("Einwilligung Werbung"), Some(Field::ConsentMarketing));
        assert_eq!(classify("marketing consent"), Some(Field::ConsentMarketing));
        assert_eq!(classify("EINWILLIGUNG TERMINE"), Some(Field::ConsentService));
        assert_eq!(classify("Service Consent"), Some(Field::ConsentService));
        assert_eq!(classify("Einwilligung Datum"), Some(Field::ConsentDate));
        assert_eq!(classify("Consent Date"), Some(Field::ConsentDate));
        assert_eq!(classify("Einwilligung Version"), Some(Field::ConsentVersion));
        assert_eq!(classify("consent_version"), Some(Field::ConsentVersion));
        assert!(Field::ConsentDate.is_consent());
        assert!(!Field::Note.is_consent());
        // hofbote's own export shows the state only; it is not consent evidence and is ignored.
        assert_eq!(classify("consent_marketing"), None);
    }
}
