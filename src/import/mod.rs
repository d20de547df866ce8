//! Customer import from CSV and vCard files (work in progress).
