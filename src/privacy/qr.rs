//! The counter sign: a QR code that opens WhatsApp with the shop's number and the sign-up keyword
//! (`https://wa.me/<digits>?text=ANMELDEN%20ANGEBOTE`), for the terminal (Unicode half blocks with a quiet zone),
//! as PNG (pure Rust `png` crate) and as a printable A4 SVG sign with the consent wording and the short notice.
//! Pure: returns strings and bytes; the CLI writes the files.

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, EcLevel, QrCode};

use super::PrivacyError;
use crate::config::Config;
use crate::domain::phone::Phone;

/// What the sign signs people up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum SignPurpose {
    Marketing,
    Service,
    Both,
}

impl SignPurpose {
    /// The keyword the webhook receiver understands (see `webhook::keywords`).
    pub fn keyword(self) -> &'static str {
        match self {
            SignPurpose::Marketing => "ANMELDEN ANGEBOTE",
            SignPurpose::Service => "ANMELDEN TERMINE",
            SignPurpose::Both => "ANMELDEN",
        }
    }

    pub fn purposes(self) -> &'static [crate::domain::consent::Purpose] {
        use crate::domain::consent::Purpose;
        match self {
            SignPurpose::Marketing => &[Purpose::Marketing],
            SignPurpose::Service => &[Purpose::Service],
            SignPurpose::Both => Purpose::ALL,
        }
    }
}

/// Modules of white border around the code, as the standard asks.
pub const QUIET_ZONE: usize = 4;

/// The wa.me link with the shop's WhatsApp number (`[whatsapp] display_phone_number`) and the keyword.
pub fn signup_url(config: &Config, purpose: SignPurpose) -> Result<String, PrivacyError> {
    let number = config.whatsapp.display_phone_number.trim();
    let phone = Phone::parse(number, config.shop.region()).map_err(|_| PrivacyError::NoDisplayNumber)?;
    Ok(format!("https://wa.me/{}?text={}", phone.wa_id(), purpose.keyword().replace(' ', "%20")))
}

fn code(data: &str) -> Result<QrCode, PrivacyError> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| PrivacyError::Qr(e.to_string()))
}

/// The code as Unicode half blocks (`█▀▄` = dark), two modules per character row, with the quiet zone. Show it dark
/// on light (the CLI sets black on white; the TUI should style it the same) so a phone camera reads it from a screen.
pub fn qr_terminal(data: &str) -> Result<String, PrivacyError> {
    Ok(code(data)?
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Dark)
        .light_color(Dense1x2::Light)
        .quiet_zone(true)
        .build())
}

/// The code as a greyscale PNG, `scale` pixels per module, with the quiet zone.
pub fn qr_png(data: &str, scale: u32) -> Result<Vec<u8>, PrivacyError> {
    let code = code(data)?;
    let modules = code.width();
    let colors = code.to_colors();
    let scale = scale.max(1) as usize;
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if colors[y * modules + x] == Color::Dark {
                for dy in 0..scale {
                    let row = ((y + QUIET_ZONE) * scale + dy) * side;
                    let start = row + (x + QUIET_ZONE) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    let png_err = |e: png::EncodingError| PrivacyError::Qr(e.to_string());
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer.write_image_data(&pixels).map_err(png_err)?;
        writer.finish().map_err(png_err)?;
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Greedy word wrap at `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A printable A4 sign (SVG, millimetres): title, the code (12 cm), how to sign up, then `paragraphs` (wording and
/// notice) in small print.
pub fn qr_svg_sign(data: &str, title: &str, instruction: &str, paragraphs: &[String]) -> Result<String, PrivacyError> {
    let code = code(data)?;
    let modules = code.width();
    let colors = code.to_colors();
    let total = modules + 2 * QUIET_ZONE;
    let size_mm = 120.0;
    let unit = size_mm / total as f64;
    let left = (210.0 - size_mm) / 2.0;
    let top = 35.0;
    let mut path = String::new();
    for y in 0..modules {
        for x in 0..modules {
            if colors[y * modules + x] == Color::Dark {
                path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
            }
        }
    }
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\">\n\
         <rect width=\"210\" height=\"297\" fill=\"#fff\"/>\n\
         <text x=\"105\" y=\"22\" font-family=\"sans-serif\" font-size=\"9\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>\n\
         <g transform=\"translate({left},{top}) scale({unit})\" shape-rendering=\"crispEdges\">\
         <rect width=\"{total}\" height=\"{total}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></g>\n",
        xml_escape(title)
    );
    let mut y = top + size_mm + 10.0;
    for line in wrap(instruction, 48) {
        svg.push_str(&format!(
            "<text x=\"105\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"6\" text-anchor=\"middle\">{}</text>\n",
            xml_escape(&line)
        ));
        y += 8.0;
    }
    y += 2.0;
    for p in paragraphs {
        for line in wrap(p, 105) {
            svg.push_str(&format!(
                "<text x=\"15\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"3.2\">{}</text>\n",
                xml_escape(&line)
            ));
            y += 4.2;
        }
        y += 2.0;
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_uses_the_digits_of_the_shops_number_and_the_keyword() {
        let mut c = Config::default();
        assert!(matches!(signup_url(&c, SignPurpose::Both), Err(PrivacyError::NoDisplayNumber)));
        c.whatsapp.display_phone_number = "+49 (0)171 9876543".into();
        assert_eq!(
            signup_url(&c, SignPurpose::Marketing).unwrap(),
            "https://wa.me/491719876543?text=ANMELDEN%20ANGEBOTE"
        );
        assert_eq!(signup_url(&c, SignPurpose::Service).unwrap(), "https://wa.me/491719876543?text=ANMELDEN%20TERMINE");
        assert_eq!(signup_url(&c, SignPurpose::Both).unwrap(), "https://wa.me/491719876543?text=ANMELDEN");
    }

    #[test]
    fn the_terminal_code_has_a_quiet_zone_and_half_blocks() {
        let t = qr_terminal("https://wa.me/491719876543?text=ANMELDEN").unwrap();
        let lines: Vec<&str> = t.lines().collect();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "all rows equally wide");
        // 4 light modules on each side: the first two text rows and the first two columns are blank.
        assert!(lines[0].chars().all(|c| c == ' ') && lines[1].chars().all(|c| c == ' '));
        assert!(lines.iter().all(|l| l.starts_with("    ")));
        assert!(t.contains('█') || t.contains('▀') || t.contains('▄'));
    }

    #[test]
    fn the_terminal_rendering_decodes_to_the_link() {
        let url = "https://wa.me/491719876543?text=ANMELDEN%20ANGEBOTE";
        let text = qr_terminal(url).unwrap();
        // Each character is two modules stacked: upper half, lower half.
        let rows: Vec<Vec<(bool, bool)>> = text
            .lines()
            .map(|l| {
                l.chars()
                    .map(|c| match c {
                        '█' => (true, true),
                        '▀' => (true, false),
                        '▄' => (false, true),
                        _ => (false, false),
                    })
                    .collect()
            })
            .collect();
        let scale = 4;
        let (w, h) = (rows[0].len() * scale, rows.len() * 2 * scale);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            let (top, bottom) = rows[y / (2 * scale)][x / scale];
            let dark = if (y / scale) % 2 == 0 { top } else { bottom };
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, url);
    }

    #[test]
    fn the_sign_escapes_text_and_contains_the_code() {
        let svg = qr_svg_sign("x", "Hof <Sonne>", "Scanne & sende", &["Text".into()]).unwrap();
        assert!(svg.contains("Hof &lt;Sonne&gt;") && svg.contains("Scanne &amp; sende") && svg.contains("<path d=\"M"));
    }
}
