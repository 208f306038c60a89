//! SVG with embedded bitmaps. plotters' `SVGBackend` (without its `image` feature) draws a bitmap
//! as one `<rect>` per pixel: a 64×64 thumbnail becomes 4,096 elements and a figure of thumbnails
//! tens of megabytes. [`SvgImages`] wraps it and turns every bitmap into one `<image>` element with
//! the pixels as a base64 PNG data URL, in drawing order: while drawing it leaves a placeholder
//! `<text>` holding a private-use marker, and [`embed`] swaps each placeholder for its image.

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use std::cell::RefCell;
use std::rc::Rc;

/// Delimits a placeholder's number: U+E000 (private use), never in a chart's own text.
const MARK: char = '\u{E000}';

/// An `SVGBackend` that records bitmaps as PNGs instead of drawing their pixels.
pub struct SvgImages<'a> {
    inner: SVGBackend<'a>,
    images: Rc<RefCell<Vec<String>>>,
}

impl<'a> SvgImages<'a> {
    /// Wrap `inner`; the `<image>` elements collect in `images` (pass the same list to [`embed`]).
    pub fn new(inner: SVGBackend<'a>, images: Rc<RefCell<Vec<String>>>) -> Self {
        SvgImages { inner, images }
    }
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                s.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Replace every placeholder `<text …>MARK n MARK</text>` in `svg` by `images[n]`.
pub fn embed(svg: &str, images: &[String]) -> String {
    let mut out = String::with_capacity(svg.len() + images.iter().map(|i| i.len()).sum::<usize>());
    let mut rest = svg;
    while let Some(m) = rest.find(MARK) {
        let open = rest[..m].rfind("<text").unwrap_or(m);
        let after = &rest[m + MARK.len_utf8()..];
        let Some(end_num) = after.find(MARK) else {
            break;
        };
        let n: Option<usize> = after[..end_num].parse().ok();
        let tail = &after[end_num + MARK.len_utf8()..];
        let close = tail
            .find("</text>")
            .map(|c| c + "</text>".len())
            .unwrap_or(0);
        out.push_str(&rest[..open]);
        if let Some(img) = n.and_then(|n| images.get(n)) {
            out.push_str(img);
        }
        rest = &tail[close..];
    }
    out.push_str(rest);
    out
}

impl DrawingBackend for SvgImages<'_> {
    type ErrorType = <SVGBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let io = |e: String| DrawingErrorKind::DrawingError(std::io::Error::other(e));
        let img = image::RgbImage::from_raw(w, h, src[..(w * h * 3) as usize].to_vec())
            .ok_or_else(|| io("bitmap buffer has the wrong size".into()))?;
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)
            .map_err(|e| io(format!("PNG encoding failed: {e}")))?;
        let n = {
            let mut images = self.images.borrow_mut();
            images.push(format!(
                "<image x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{}\"/>",
                pos.0,
                pos.1,
                base64(&png.into_inner())
            ));
            images.len() - 1
        };
        let style = TextStyle::from((super::FONT, 1.0).into_font());
        self.inner
            .draw_text(&format!("{MARK}{n}{MARK}"), &style, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn placeholders_become_images_in_order() {
        let svg = format!(
            "<svg><rect/>\n<text x=\"1\">{MARK}1{MARK}</text>\n<line/>\n<text>{MARK}0{MARK}</text><text>keep</text></svg>"
        );
        let out = embed(&svg, &["<image a/>".into(), "<image b/>".into()]);
        assert_eq!(
            out,
            "<svg><rect/>\n<image b/>\n<line/>\n<image a/><text>keep</text></svg>"
        );
    }
}
