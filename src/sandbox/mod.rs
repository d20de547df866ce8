//! The built-in sandbox: a local fake of the WhatsApp Cloud API over real HTTP (under construction).
