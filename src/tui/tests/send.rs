//! Pure update tests of the composer and the queue screen.
