//! Small drawing helpers shared by the screens: text fitting, form fields, popups, the confirm dialog and the
//! status and hint lines.

pub mod bubble;
pub mod confirm;
pub mod form;
pub mod gauge;
pub mod popup;
pub mod status_line;
pub mod text;
