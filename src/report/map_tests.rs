//! Unit tests of `report::map`: grid maps drawn deterministically, with titles, places, outlines, label overlap, ticks and aspect ratio.

use super::*;
use crate::report::RowOrder;
use ndarray::Array2;

fn demo(diverging: bool) -> GridLayer {
    let values = Array2::from_shape_fn((30, 24), |(r, c)| {
        if r < 3 && c < 4 {
            f64::NAN
        } else {
            let (x, y) = (c as f64 - 12.0, r as f64 - 15.0);
            let v = (-(x * x + y * y) / 60.0).exp() * 100.0;
            if diverging {
                v - 30.0
            } else {
                v
            }
        }
    });
    let mut l = GridLayer::new(
        "firms",
        "Firm density & <growth>",
        "firms per cell",
        values,
        -6.0,
        -2.0,
        0.5,
    );
    l.diverging = diverging;
    l
}

fn places() -> Vec<Place> {
    vec![
        Place::new("Tsinghua", 0.0, 5.0),
        Place::new("Far east label", 5.8, 0.0),
        Place::new("Off the grid", 100.0, 0.0),
        Place::new("NaN", f64::NAN, 0.0),
    ]
}

#[test]
fn svg_has_title_places_and_is_deterministic() {
    let a = map_svg(&demo(false), &places()).unwrap();
    assert_eq!(a, map_svg(&demo(false), &places()).unwrap());
    assert!(a.starts_with("<svg"));
    assert!(a.contains("Firm density &amp; &lt;growth&gt;"));
    assert!(a.contains("Tsinghua") && a.contains("Far east label"));
    assert!(!a.contains("Off the grid"));
    assert!(a.contains("no data") && a.contains("firms per cell"));
    assert!(a.contains("km east") && a.contains("km north"));
}

#[test]
fn png_is_deterministic_and_has_expected_size() {
    let l = demo(true);
    let a = map_png_bytes(&l, &places()).unwrap();
    assert_eq!(a, map_png_bytes(&l, &places()).unwrap());
    let dec = png::Decoder::new(std::io::Cursor::new(&a));
    let reader = dec.read_info().unwrap();
    let info = reader.info();
    let layout = Layout::for_layer(&l);
    assert_eq!((info.width, info.height), (layout.width, layout.height));
    assert!(info.width >= 600 && info.width <= 1000, "{}", info.width);
}

#[test]
fn row_order_flips_the_picture() {
    let mut a = demo(false);
    a.values = Array2::from_shape_fn((4, 4), |(r, _)| r as f64);
    let mut b = a.clone();
    b.row_order = RowOrder::NorthFirst;
    b.values.invert_axis(ndarray::Axis(0));
    assert_eq!(
        map_svg(&a, &[]).unwrap(),
        map_svg(&b, &[]).unwrap(),
        "same geography in both row orders must give the same map"
    );
}

#[test]
fn overlapping_labels_are_left_out() {
    let crowded = vec![
        Place::new("First label", 0.0, 5.0),
        Place::new("Second label", 0.05, 5.05),
        Place::new("Third label", 0.0, 5.05),
    ];
    let svg = map_svg(&demo(false), &crowded).unwrap();
    // The first goes right of its dot, the second left, the third finds no room.
    assert!(svg.contains("First label") && svg.contains("Second label"));
    assert!(!svg.contains("Third label"));
    // A place whose label finds no room gets no dot either: no unlabelled dots.
    let lone = map_svg(&demo(false), &crowded[..1]).unwrap();
    assert_eq!(
        svg.matches("<circle").count(),
        lone.matches("<circle").count() * 2
    );
}

#[test]
fn outlines_are_drawn_with_a_legend() {
    use crate::report::{Outline, OutlineKind};
    let mut l = demo(false);
    let plain = map_svg(&l, &[]).unwrap();
    l.outlines = vec![
        Outline {
            points: vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)],
            kind: OutlineKind::Park,
        },
        Outline {
            points: vec![(0.0, 0.5), (1.5, 0.5)],
            kind: OutlineKind::Rail,
        },
    ];
    let svg = map_svg(&l, &[]).unwrap();
    assert!(
        svg.contains("science park") && svg.contains("rail"),
        "legend"
    );
    assert!(
        !svg.contains("expressway"),
        "only the kinds drawn are in the legend"
    );
    assert!(svg.matches("<polyline").count() > plain.matches("<polyline").count());
}

#[test]
fn ticks_are_nice() {
    assert_eq!(
        nice_ticks(0.0, 10.0, 5),
        vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
    assert_eq!(
        nice_ticks(-17.3, 17.3, 8),
        vec![-15.0, -10.0, -5.0, 0.0, 5.0, 10.0, 15.0]
    );
    assert_eq!(nice_ticks(0.11, 0.14, 4), vec![0.11, 0.12, 0.13, 0.14]);
    assert!(nice_ticks(1.0, 1.0, 5).is_empty());
    assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    assert!(nice_ticks(0.0, 1.0, 8).len() <= 11);
}

#[test]
fn aspect_ratio_is_kept() {
    let wide = GridLayer::new("w", "W", "u", Array2::zeros((2, 80)), 0.0, 0.0, 0.5);
    let l = Layout::for_layer(&wide);
    assert_eq!(l.plot_w / l.plot_h, 40);
    assert!(l.bar_h >= MIN_BAR_H);
    map_png_bytes(&wide, &[]).unwrap();
    let tall = GridLayer::new("t", "T", "u", Array2::zeros((90, 3)), 0.0, 0.0, 0.5);
    let l = Layout::for_layer(&tall);
    assert_eq!(l.plot_h / l.plot_w, 30);
    assert!(l.width as i32 >= MIN_W);
    map_png_bytes(&tall, &[]).unwrap();
}

#[test]
fn bad_and_degenerate_layers() {
    let mut l = demo(false);
    l.values = Array2::zeros((0, 5));
    assert!(map_svg(&l, &[]).is_err());
    let mut l = demo(false);
    l.cell_km = 0.0;
    assert!(map_png_bytes(&l, &[]).is_err());
    let mut l = demo(false);
    l.x0_km = f64::INFINITY;
    assert!(map_png_bytes(&l, &[]).is_err());
    let mut l = demo(false);
    l.range = Some((3.0, 1.0));
    assert!(map_svg(&l, &[]).is_err());

    let mut l = demo(false);
    l.values.fill(f64::NAN);
    map_png_bytes(&l, &places()).unwrap();
    l.values.fill(7.0);
    map_png_bytes(&l, &places()).unwrap();
    l.values = Array2::from_elem((1, 1), 2.0);
    map_svg(&l, &places()).unwrap();
}
