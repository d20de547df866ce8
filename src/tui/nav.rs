//! Moving a selection through a list that is longer than the screen: selected row, first visible row, pages.
//! Pure arithmetic; knows nothing about what the rows are.

use super::keymap::Action;

/// Selection and scroll position of one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nav {
    pub selected: usize,
    pub offset: usize,
}

impl Nav {
    /// Applies a movement action to a list of `len` rows of which `page` fit on screen; returns whether it moved.
    pub fn apply(&mut self, action: Action, len: usize, page: usize) -> bool {
        let before = *self;
        let last = len.saturating_sub(1);
        let page = page.max(1);
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            Action::Home => 0,
            Action::End => last,
            _ => self.selected,
        };
        self.clamp(len, page);
        *self != before
    }

    /// Keeps the selection inside the list and on screen.
    pub fn clamp(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    /// The rows to draw: `offset..offset + page`, cut to the list.
    pub fn window(&self, len: usize, page: usize) -> std::ops::Range<usize> {
        let mut nav = *self;
        nav.clamp(len, page);
        nav.offset..(nav.offset + page).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_and_scrolls_within_bounds() {
        let mut n = Nav::default();
        assert!(!n.apply(Action::Up, 100, 10));
        n.apply(Action::Down, 100, 10);
        assert_eq!(n, Nav { selected: 1, offset: 0 });
        n.apply(Action::PageDown, 100, 10);
        assert_eq!(n, Nav { selected: 11, offset: 2 });
        n.apply(Action::End, 100, 10);
        assert_eq!(n, Nav { selected: 99, offset: 90 });
        n.apply(Action::PageUp, 100, 10);
        assert_eq!(n, Nav { selected: 89, offset: 89 });
        n.apply(Action::Home, 100, 10);
        assert_eq!(n, Nav { selected: 0, offset: 0 });
        assert_eq!(n.window(3, 10), 0..3);
    }

    #[test]
    fn empty_list_and_shrinking_list() {
        let mut n = Nav { selected: 50, offset: 45 };
        n.clamp(0, 10);
        assert_eq!(n, Nav::default());
        let mut n = Nav { selected: 50, offset: 45 };
        n.clamp(20, 10);
        assert_eq!(n, Nav { selected: 19, offset: 10 });
    }
}
