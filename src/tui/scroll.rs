//! A ratatui backend wrapper that turns "the list moved by one row" into a terminal scroll. ratatui diffs cell by
//! cell, so when a list scrolls every visible row differs and is sent again (about 1.7 KB at 80x24, several SSH
//! packets). This wrapper keeps what the terminal shows, notices when a run of rows of the new frame equals the
//! old rows one above or below, shifts them with a scroll region (`DECSTBM` plus a line feed or reverse index —
//! what curses does, understood by xterm, tmux, screen and the Linux console), and sends only what still differs.
//! Must not decide what to draw: the frame is the same, only the bytes that produce it are fewer.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};

/// At least this many rows must be saved before a scroll is worth its escape codes.
const MIN_SAVED_ROWS: usize = 3;

/// See the module documentation.
#[derive(Debug)]
pub struct ScrollBackend<B> {
    inner: B,
    /// What the terminal shows (as ratatui's updates and our scrolls left it).
    screen: Buffer,
    /// A size that is not asked of the terminal (tests write into a `Vec`).
    fixed: Option<Size>,
}

/// A run of rows to shift by one: `top..=bottom` (0-based, inclusive) is the scroll region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub top: u16,
    pub bottom: u16,
    /// The content moves up (a line feed at the bottom); otherwise down (a reverse index at the top).
    pub up: bool,
}

impl<B: Write> Write for ScrollBackend<B> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<B> ScrollBackend<B> {
    pub fn new(inner: B) -> ScrollBackend<B> {
        ScrollBackend { inner, screen: Buffer::empty(Rect::ZERO), fixed: None }
    }

    /// With a size of its own instead of the terminal's.
    pub fn with_size(inner: B, size: Size) -> ScrollBackend<B> {
        ScrollBackend { inner, screen: Buffer::empty(Rect::ZERO), fixed: Some(size) }
    }
}

impl<B: Backend<Error = io::Error> + Write> Backend for ScrollBackend<B> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        if self.screen.area != area {
            self.screen = Buffer::empty(area);
        }
        let mut next = self.screen.clone();
        for (x, y, cell) in content {
            if let Some(c) = next.cell_mut((x, y)) {
                *c = cell.clone();
            }
        }
        if let Some(shift) = find_shift(&self.screen, &next) {
            emit(&mut self.inner, shift)?;
            apply(&mut self.screen, shift);
        }
        let updates = self.screen.diff(&next);
        self.inner.draw(updates.into_iter())?;
        self.screen = next;
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        // ratatui forgets its previous frame when it clears; so does this.
        self.screen = Buffer::empty(Rect::ZERO);
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.screen = Buffer::empty(Rect::ZERO);
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        match self.fixed {
            Some(s) => Ok(s),
            None => self.inner.size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

fn row(buffer: &Buffer, y: u16) -> &[Cell] {
    let w = buffer.area.width as usize;
    let start = y as usize * w;
    buffer.content.get(start..start + w).unwrap_or(&[])
}

/// The best one-row shift from `old` to `new`: the longest run of rows that equal the old row one below (content
/// moved up) or one above (moved down) and that would otherwise be sent again.
pub fn find_shift(old: &Buffer, new: &Buffer) -> Option<Shift> {
    if old.area != new.area || old.area.height < 3 {
        return None;
    }
    let h = old.area.height;
    let mut best: Option<(usize, Shift)> = None;
    for up in [true, false] {
        let (mut start, mut saved) = (None::<u16>, 0usize);
        let consider = |start: Option<u16>, end: u16, saved: usize, best: &mut Option<(usize, Shift)>| {
            let Some(a) = start else { return };
            if saved < MIN_SAVED_ROWS || best.as_ref().is_some_and(|(s, _)| *s >= saved) {
                return;
            }
            // Rows a..end (exclusive) of `new` equal the old rows one below (up) or one above (down).
            let shift = if up { Shift { top: a, bottom: end, up } } else { Shift { top: a - 1, bottom: end - 1, up } };
            *best = Some((saved, shift));
        };
        for y in 0..h {
            let source = if up { y.checked_add(1).filter(|s| *s < h) } else { y.checked_sub(1) };
            let matches = source.is_some_and(|s| row(new, y) == row(old, s));
            if matches {
                start.get_or_insert(y);
                if row(new, y) != row(old, y) {
                    saved += 1;
                }
            } else {
                consider(start, y, saved, &mut best);
                start = None;
                saved = 0;
            }
        }
        consider(start, h, saved, &mut best);
    }
    best.map(|(_, s)| s)
}

/// The escape codes for `shift`: set the region, feed a line at its bottom (or reverse-index at its top), reset
/// the region. The colours are the defaults here (ratatui resets them after every frame), so the new blank row is
/// blank in the default colours, as the model assumes.
fn emit<W: Write>(out: &mut W, shift: Shift) -> io::Result<()> {
    let (top, bottom) = (shift.top + 1, shift.bottom + 1);
    if shift.up {
        write!(out, "\x1b[{top};{bottom}r\x1b[{bottom};1H\n\x1b[r")
    } else {
        write!(out, "\x1b[{top};{bottom}r\x1b[{top};1H\x1bM\x1b[r")
    }
}

/// What the terminal does with `shift`, done to the model.
pub fn apply(screen: &mut Buffer, shift: Shift) {
    let w = screen.area.width as usize;
    let (top, bottom) = (shift.top as usize, shift.bottom as usize);
    let blank = vec![Cell::EMPTY; w];
    if shift.up {
        screen.content[top * w..(bottom + 1) * w].rotate_left(w);
        screen.content[bottom * w..(bottom + 1) * w].clone_from_slice(&blank);
    } else {
        screen.content[top * w..(bottom + 1) * w].rotate_right(w);
        screen.content[top * w..(top + 1) * w].clone_from_slice(&blank);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ratatui::text::Line;

    fn screen(lines: &[&str]) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, 12, lines.len() as u16));
        for (y, l) in lines.iter().enumerate() {
            b.set_line(0, y as u16, &Line::raw(*l), 12);
        }
        b
    }

    #[test]
    fn a_list_moved_up_by_one_row_is_one_scroll() {
        let old = screen(&["head", "a", "b", "c", "d", "e", "foot"]);
        let new = screen(&["head", "b", "c", "d", "e", "f", "foot"]);
        let shift = find_shift(&old, &new).unwrap();
        assert_eq!(shift, Shift { top: 1, bottom: 5, up: true });
        let mut model = old.clone();
        apply(&mut model, shift);
        // After the scroll only the new bottom row of the list differs.
        let rest: Vec<_> = model.diff(&new).into_iter().map(|(_, y, _)| y).collect();
        assert!(rest.iter().all(|y| *y == 5), "{rest:?}");
    }

    #[test]
    fn a_list_moved_down_and_too_small_changes() {
        let old = screen(&["head", "b", "c", "d", "e", "f", "foot"]);
        let new = screen(&["head", "a", "b", "c", "d", "e", "foot"]);
        let shift = find_shift(&old, &new).unwrap();
        assert_eq!(shift, Shift { top: 1, bottom: 5, up: false });
        let mut model = old.clone();
        apply(&mut model, shift);
        assert!(model.diff(&new).into_iter().all(|(_, y, _)| y == 1));
        // One changed row is no scroll.
        let one = screen(&["head", "b", "X", "d", "e", "f", "foot"]);
        assert_eq!(find_shift(&old, &one), None);
    }

    /// A writer whose bytes the test can take after each frame.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Draws a list whose selection moves down 30 rows and up again (it scrolls both ways) and checks every frame
    /// in a vt100 terminal fed with the real crossterm bytes; returns the bytes written.
    fn scroll_a_list<B: Backend>(backend: B, out: Shared, w: u16, h: u16) -> usize {
        use ratatui::widgets::{List, ListState};
        // Rows that differ as real customer names do (a list of numbered rows would diff to one digit a row).
        let first = ["Anna", "Bernd", "Jörg", "Elif", "Hans-Peter", "Ingrid", "Dirk", "Gülten", "Ærø"];
        let last = ["Weiß", "Müller", "Thießen", "Åberg", "Großmann", "Hoffmann", "Böhm", "Demir"];
        let items: Vec<String> =
            (0..40).map(|i| format!("{} {} 0171 {:07}", first[i % 9], last[i * 5 % 8], i * 7919)).collect();
        let options = ratatui::TerminalOptions { viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)) };
        let mut term = ratatui::Terminal::with_options(backend, options).unwrap();
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(h), nz(w), 0);
        let mut state = ListState::default();
        let mut total = 0;
        let moves = (0..30).map(|_| 1i32).chain((0..30).map(|_| -1));
        for step in std::iter::once(0).chain(moves) {
            let next = state.selected().map_or(0, |s| (s as i32 + step).clamp(0, 39) as usize);
            state.select(Some(next));
            let frame = term
                .draw(|f| {
                    let list = List::new(items.clone()).highlight_symbol("> ");
                    f.render_stateful_widget(list, f.area(), &mut state);
                })
                .unwrap();
            let expected: Vec<String> =
                (0..h).map(|y| (0..w).map(|x| frame.buffer[(x, y)].symbol().to_owned()).collect::<String>()).collect();
            let bytes = std::mem::take(&mut *out.0.borrow_mut());
            total += bytes.len();
            parser.process(&bytes);
            let shown: Vec<String> = parser.screen().rows(0, w).collect();
            for y in 0..h as usize {
                assert_eq!(shown[y].trim_end(), expected[y].trim_end(), "row {y} after selecting {next}");
            }
        }
        total
    }

    #[test]
    fn the_terminal_shows_every_frame_as_drawn_with_fewer_bytes() {
        use ratatui::backend::CrosstermBackend;
        let (w, h) = (30u16, 10u16);
        let out = Shared::default();
        let plain = scroll_a_list(Fixed(CrosstermBackend::new(out.clone()), Size::new(w, h)), out, w, h);
        let out = Shared::default();
        let backend =
            ScrollBackend::with_size(Fixed(CrosstermBackend::new(out.clone()), Size::new(w, h)), Size::new(w, h));
        let scrolled = scroll_a_list(backend, out, w, h);
        eprintln!("bytes for 60 moves: plain ratatui {plain} · with scrolls {scrolled}");
        assert!(scrolled * 2 < plain, "scrolling must save most bytes: {scrolled} vs {plain}");
    }

    /// crossterm's backend with a size of its own (there is no terminal in a test).
    struct Fixed<B>(B, Size);

    impl<B: Write> Write for Fixed<B> {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.write(b)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.flush()
        }
    }

    impl<B: Backend<Error = io::Error>> Backend for Fixed<B> {
        type Error = io::Error;
        fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> io::Result<()> {
            self.0.draw(content)
        }
        fn hide_cursor(&mut self) -> io::Result<()> {
            self.0.hide_cursor()
        }
        fn show_cursor(&mut self) -> io::Result<()> {
            self.0.show_cursor()
        }
        fn get_cursor_position(&mut self) -> io::Result<Position> {
            Ok(Position::ORIGIN)
        }
        fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> io::Result<()> {
            self.0.set_cursor_position(p)
        }
        fn clear(&mut self) -> io::Result<()> {
            self.0.clear()
        }
        fn clear_region(&mut self, t: ClearType) -> io::Result<()> {
            self.0.clear_region(t)
        }
        fn size(&self) -> io::Result<Size> {
            Ok(self.1)
        }
        fn window_size(&mut self) -> io::Result<WindowSize> {
            Ok(WindowSize { columns_rows: self.1, pixels: Size::ZERO })
        }
        fn flush(&mut self) -> io::Result<()> {
            Backend::flush(&mut self.0)
        }
    }
}
