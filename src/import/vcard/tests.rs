//! Unit tests of the vCard reader (unfolding, TEL preference, escapes). Test code only.
use super::*;

fn one(text: &str) -> SourceRecord {
    let content = parse(text).unwrap();
    assert_eq!(content.records.len(), 1, "{content:?}");
    content.records.into_iter().next().unwrap()
}

#[test]
fn unfolding_joins_continuation_lines_with_space_or_tab() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jörg Mü\r\n ller\r\nNOTE:Holt jeden Fr\r\n\teitag Eier ab\r\nTEL:0171 1234567\r\nEND:VCARD\r\n";
    let r = one(text);
    assert_eq!(r.name, "Jörg Müller");
    assert_eq!(r.note, "Holt jeden Freitag Eier ab");
}

#[test]
fn unfold_keeps_physical_line_numbers() {
    let lines = unfold("BEGIN:VCARD\nFN:A\n b\n\nTEL:1\nEND:VCARD");
    let starts: Vec<u64> = lines.iter().map(|(l, _)| *l).collect();
    assert_eq!(starts, [1, 2, 5, 6]);
    assert_eq!(lines[1].1, "FN:Ab");
}

#[test]
fn cell_is_preferred_over_other_numbers() {
    let text =
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL;TYPE=HOME,VOICE:05021 12345\nTEL;TYPE=CELL:0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
    let text =
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL;type=WORK:05021 12345\nTEL;type=cell,voice:0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
    let text =
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL;TYPE=home:05021 12345\nTEL;TYPE=cell;TYPE=voice:0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
    let text =
        "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL;TYPE=home:05021 12345\nTEL;TYPE=\"cell,voice\":0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
}

#[test]
fn pref_decides_among_equals_and_first_wins_otherwise() {
    let text = "BEGIN:VCARD\nFN:A\nTEL;TYPE=CELL:0171 1111111\nTEL;TYPE=CELL,PREF:0171 2222222\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 2222222"));
    let text =
        "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL;TYPE=cell:0171 1111111\nTEL;TYPE=cell;PREF=1:0171 2222222\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 2222222"));
    // A preferred landline does not beat a mobile number.
    let text = "BEGIN:VCARD\nFN:A\nTEL;TYPE=HOME,PREF:05021 12345\nTEL;TYPE=CELL:0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
    let text = "BEGIN:VCARD\nFN:A\nTEL:05021 12345\nTEL:05021 12346\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("05021 12345"));
}

#[test]
fn vcard21_bare_parameters() {
    let text = "BEGIN:VCARD\nVERSION:2.1\nFN:A\nTEL;HOME;VOICE:05021 12345\nTEL;CELL:0171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("0171 1234567"));
}

#[test]
fn tel_uris() {
    let text = "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL;VALUE=uri;TYPE=home:tel:+49-5021-12345\nTEL;VALUE=uri;TYPE=cell:tel:+49-171-1234567;ext=12\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("+49-171-1234567"));
    let text = "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL:TEL:+49 171 1234567\nEND:VCARD\n";
    assert_eq!(one(text).phone.as_deref(), Some("+49 171 1234567"));
}

#[test]
fn names_from_fn_and_n() {
    let r = one("BEGIN:VCARD\nN:Müller;Jörg;Hans,Peter;Dr.;\nFN:Dr. Jörg Müller\nTEL:0171 1234567\nEND:VCARD\n");
    assert_eq!((r.name.as_str(), r.first_name.as_str(), r.last_name.as_str()), ("Dr. Jörg Müller", "Jörg", "Müller"));
    let r = one("BEGIN:VCARD\nN:Weiß;Anna\\, Maria;;;\nTEL:0171 1234567\nEND:VCARD\n");
    assert_eq!((r.name.as_str(), r.first_name.as_str(), r.last_name.as_str()), ("", "Anna, Maria", "Weiß"));
}

#[test]
fn escapes_in_text_values() {
    let r = one(
        "BEGIN:VCARD\nFN:Hof Müller\\, GbR\nNOTE:Zeile 1\\nZeile 2\\; mit Semikolon\\, Komma und \\\\ Strich\nTEL:0171 1234567\nEND:VCARD\n",
    );
    assert_eq!(r.name, "Hof Müller, GbR");
    assert_eq!(r.note, "Zeile 1\nZeile 2; mit Semikolon, Komma und \\ Strich");
    assert_eq!(split_unescaped("a\\,b,c", ','), ["a,b", "c"]);
    assert_eq!(unescape("x\\Ny"), "x\ny");
}

#[test]
fn categories_become_tags() {
    let r = one("BEGIN:VCARD\nFN:A\nCATEGORIES:Rind,Eier\\, braun, Schwein\nTEL:0171 1234567\nEND:VCARD\n");
    assert_eq!(r.tags, ["Rind", "Eier, braun", "Schwein"]);
}

#[test]
fn quoted_printable_with_charset_and_soft_breaks() {
    let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg;;;\r\n\
                FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=B6rg=20M=\r\n=C3=BCller\r\n\
                NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Wei=DF=0D=0ABio\r\n\
                TEL;CELL:0171-1234567\r\nEND:VCARD\r\n";
    let r = one(text);
    assert_eq!(r.last_name, "Müller");
    assert_eq!(r.first_name, "Jörg");
    assert_eq!(r.name, "Jörg Müller");
    assert_eq!(r.note, "Weiß\r\nBio");
    assert_eq!(quoted_printable("a=3Db=ZZ="), b"a=b=ZZ=");
    assert_eq!(quoted_printable("=+1"), b"=+1");
}

#[test]
fn groups_photos_and_unknown_properties() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Apple Inc.//iPhone OS 17//EN\nFN:A\nitem1.TEL;type=CELL:0171 1234567\n\
                item1.X-ABLabel:Hof\nEMAIL;TYPE=INTERNET:a@example.org\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg\n \
                AAAA\nADR;TYPE=HOME:;;Dorfstr. 1;Hof;;12345;Deutschland\nEMAIL:b@example.org\nEND:VCARD\n";
    let content = parse(text).unwrap();
    assert_eq!(content.records[0].phone.as_deref(), Some("0171 1234567"));
    assert_eq!(content.ignored, ["EMAIL", "PHOTO", "ADR"]);
}

#[test]
fn several_cards_start_at_their_begin_line() {
    let text = "BEGIN:VCARD\nFN:A\nNOTE:a\n  b\nTEL:0171 1234567\nEND:VCARD\n\nBEGIN:VCARD\nFN:B\nEND:VCARD\n";
    let content = parse(text).unwrap();
    let lines: Vec<u64> = content.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [1, 8]);
    assert_eq!(content.records[1].phone, None);
}

#[test]
fn broken_files() {
    assert_eq!(parse("BEGIN:VCARD\nFN:A\n"), Err(VcardError::Unclosed { line: 1 }));
    assert_eq!(parse("BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n"), Err(VcardError::Unclosed { line: 1 }));
    assert_eq!(parse("Name;Telefon\n"), Err(VcardError::NoCards));
}
