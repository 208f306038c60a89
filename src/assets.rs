//! Files embedded in the binary (see `src/assets/README.md`).

/// The DejaVu Sans font, for spatial-text images and plot labels.
pub const FONT_TTF: &[u8] = include_bytes!("assets/DejaVuSans.ttf");

/// The Places205 category names, in label order.
pub fn places205_categories() -> Vec<&'static str> {
    include_str!("assets/places205_categories.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}
