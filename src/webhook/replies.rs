//! The short German answers hofbote sends customers inside their 24 h window (double opt-in question, confirmation,
//! withdrawal receipts). Customer-facing, so always German and always naming the shop. Pure text.

use crate::domain::consent::Purpose;

fn shop(name: &str) -> &str {
    if name.trim().is_empty() { "uns" } else { name.trim() }
}

fn purpose_word(p: Purpose) -> &'static str {
    match p {
        Purpose::Service => "Termine (Abhol- und Schlachttermine)",
        Purpose::Marketing => "Angebote",
    }
}

/// The double opt-in question with the exact wording of each purpose.
pub fn confirm_question(shop_name: &str, asked: &[(Purpose, u32, String)]) -> String {
    let mut text =
        format!("Hallo! Du möchtest Nachrichten von {} per WhatsApp bekommen. Bitte lies:\n", shop(shop_name));
    for (p, version, wording) in asked {
        text.push_str(&format!("\n• {}: „{}“ (Text v{})\n", purpose_word(*p), wording, version));
    }
    text.push_str("\nAntworte mit JA, um zuzustimmen. Ohne JA innerhalb von 24 Stunden passiert nichts.");
    text
}

pub fn confirmed(shop_name: &str, purposes: &[Purpose]) -> String {
    let list: Vec<&str> = purposes.iter().map(|p| purpose_word(*p)).collect();
    format!(
        "Danke! Bestätigt: {}. Du kannst jederzeit widerrufen: STOP für Angebote, STOP ALLES für alles – oder im Hofladen von {}.",
        list.join(" und "),
        shop(shop_name)
    )
}

pub fn stopped_marketing(shop_name: &str) -> String {
    format!(
        "Erledigt: Du bekommst von {} keine Angebote mehr per WhatsApp. Für alle Nachrichten (auch Termine) antworte STOP ALLES.",
        shop(shop_name)
    )
}

pub fn stopped_all(shop_name: &str) -> String {
    format!(
        "Erledigt: Du bekommst von {} keine Nachrichten mehr per WhatsApp. Deine Abmeldung ist gespeichert.",
        shop(shop_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_names_the_shop_and_quotes_the_wording() {
        let q = confirm_question("Hof Sonnenwiese", &[(Purpose::Marketing, 2, "Ja, ich möchte …".into())]);
        assert!(q.contains("Hof Sonnenwiese") && q.contains("„Ja, ich möchte …“ (Text v2)") && q.contains("JA"));
        assert!(
            confirmed("Hof", &[Purpose::Service, Purpose::Marketing])
                .contains("Termine (Abhol- und Schlachttermine) und Angebote")
        );
    }
}
