//! A drawing-backend wrapper that rasterises text with correct glyph placement, for PNG output.
//!
//! plotters' own `ab_glyph` text drawing ignores each glyph's left side
//! bearing and rounds the pen position per glyph, which gives visibly
//! uneven letter spacing ("sub sidy"). [`CleanText`] wraps a backend
//! (the bitmap one), passes every drawing call through unchanged, and
//! draws text itself with `ab_glyph`: glyphs placed at sub-pixel pen
//! positions with kerning, and sized and anchored like the SVG backend
//! does it (em = size / 1.24; baseline 0.76 em below a top anchor, half an
//! x-height below a centre anchor), so PNG and SVG output look alike.
//! Text sizes used for layout still come from plotters' own estimate.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::font::DEJAVU_SANS;

/// x-height of DejaVu Sans in em (1120 / 2048 font units).
const X_HEIGHT_EM: f64 = 0.547;

/// Wraps a backend; all text is drawn with the vendored DejaVu Sans.
pub(crate) struct CleanText<B> {
    inner: B,
    font: FontRef<'static>,
}

impl<B> CleanText<B> {
    /// Wraps `inner`; fails only if the vendored font cannot be parsed.
    pub fn new(inner: B) -> anyhow::Result<Self> {
        let font = FontRef::try_from_slice(DEJAVU_SANS)
            .map_err(|_| anyhow::anyhow!("the vendored DejaVu Sans font could not be parsed"))?;
        Ok(CleanText { inner, font })
    }

    /// Pixels `(x, y, coverage)` of `text`, relative to the anchor point,
    /// before any rotation.
    fn rasterise(&self, text: &str, size: f64, h: HPos, v: VPos) -> Vec<(i32, i32, f32)> {
        let em = size / 1.24;
        let upem = self.font.units_per_em().unwrap_or(2048.0) as f64;
        let scale = PxScale::from((em * self.font.height_unscaled() as f64 / upem) as f32);
        let sf = self.font.as_scaled(scale);
        let mut glyphs = Vec::with_capacity(text.len());
        let mut x = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                x += sf.kern(p, id);
            }
            glyphs.push((id, x));
            x += sf.h_advance(id);
            prev = Some(id);
        }
        let dx = match h {
            HPos::Left => 0.0,
            HPos::Center => -x / 2.0,
            HPos::Right => -x,
        };
        let baseline = match v {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT_EM * em,
            VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
        } as f32;
        let mut pixels = Vec::new();
        for (id, gx) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(gx + dx, baseline));
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (ox, oy) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|px, py, cov| {
                    if cov > 0.0 {
                        pixels.push((ox + px as i32, oy + py as i32, cov.min(1.0)));
                    }
                });
            }
        }
        pixels
    }
}

impl<B: DrawingBackend> DrawingBackend for CleanText<B> {
    type ErrorType = B::ErrorType;

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

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let anchor = style.anchor();
        let trans = style.transform();
        for (x, y, cov) in self.rasterise(text, style.size(), anchor.h_pos, anchor.v_pos) {
            let (tx, ty) = trans.transform(x, y);
            self.inner.draw_pixel(
                (pos.0 + tx, pos.1 + ty),
                BackendColor {
                    alpha: color.alpha * cov as f64,
                    rgb: color.rgb,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_place_text_where_asked() {
        let t = CleanText::new(()).unwrap();
        let bounds = |h, v| {
            let px = t.rasterise("Hx", 20.0, h, v);
            let xs = px.iter().map(|p| p.0);
            let ys = px.iter().map(|p| p.1);
            (
                xs.clone().min().unwrap(),
                xs.max().unwrap(),
                ys.clone().min().unwrap(),
                ys.max().unwrap(),
            )
        };
        let (x0, x1, y0, _) = bounds(HPos::Left, VPos::Top);
        assert!((0..=2).contains(&x0), "{x0}");
        assert!(
            (0..=4).contains(&y0),
            "cap top just below a top anchor: {y0}"
        );
        let (l, r, _, _) = bounds(HPos::Right, VPos::Top);
        assert!((-2..=0).contains(&r) && l < -10, "{l} {r}");
        let (cl, cr, ct, cb) = bounds(HPos::Center, VPos::Center);
        assert!((cl + cr).abs() <= 3, "{cl} {cr}");
        assert!(ct < 0 && cb > 0, "{ct} {cb}");
        assert!(x1 > 15);
        assert!(t.rasterise("", 20.0, HPos::Left, VPos::Top).is_empty());
    }
}
