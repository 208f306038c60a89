//! Layout shared by the tile-grid figures (`retrievals`, `units`, `inversions`): each measures
//! its content in units of the tile side T, plus an optional label column of `left_px(T)`
//! pixels, inside a fixed margin.

/// Pixels around the content.
pub const MARGIN: f64 = 16.0;

/// A label column that is no column (for figures without one).
pub fn no_labels(_tile: f64) -> f64 {
    0.0
}

/// The largest tile side (≥ 8 px) at which content `left_px(t) + ew·t` wide and `eh·t` high
/// fits in `size` within the margins.
pub fn tile_side(size: (f64, f64), ew: f64, eh: f64, left_px: fn(f64) -> f64) -> f64 {
    let (w, h) = (size.0 - 2.0 * MARGIN, size.1 - 2.0 * MARGIN);
    let mut t = (h / eh).max(1.0);
    // left_px grows with t, so shrinking t until the width fits converges in a few steps.
    for _ in 0..50 {
        let fit = (w - left_px(t)) / ew;
        if fit >= t {
            break;
        }
        t = fit.max(t * 0.9).min(t - 0.5);
    }
    t.floor().max(8.0)
}

/// The figure size (pixels) that gives tiles of `tile` pixels to content of `extent` tiles
/// (width, height) right of a `left_px` label column.
pub fn size_for(extent: (f64, f64), left_px: fn(f64) -> f64, tile: u32) -> (u32, u32) {
    let t = tile as f64;
    (
        (left_px(t) + extent.0 * t + 2.0 * MARGIN).ceil() as u32,
        (extent.1 * t + 2.0 * MARGIN).ceil() as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_for_and_tile_side_agree() {
        fn labels(t: f64) -> f64 {
            1.5 * t
        }
        for tile in [8u32, 40, 96] {
            let size = size_for((6.2, 3.4), labels, tile);
            let t = tile_side((size.0 as f64, size.1 as f64), 6.2, 3.4, labels);
            assert!((t - tile as f64).abs() <= 1.0, "{tile}: {t}");
            let size = size_for((6.2, 3.4), no_labels, tile);
            let t = tile_side((size.0 as f64, size.1 as f64), 6.2, 3.4, no_labels);
            assert!((t - tile as f64).abs() <= 1.0, "{tile}: {t}");
        }
    }
}
