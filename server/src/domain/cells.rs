//! Map cells, for finding the contractors who might cover a point without reading the network.
//! The map is cut into cells half a degree square (about 55 km north to south); a contractor is
//! listed under every cell its service disk touches, so everyone who covers a point is listed
//! under that point's cell. The list is a superset: routing still checks the real distance.

/// A point on the map, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// A cell's side, in degrees.
const CELL_DEGREES: f64 = 0.5;
const LAT_CELLS: i32 = 360;
const LON_CELLS: i32 = 720;
/// The mean Earth radius the distance of `rank::distance_km` uses.
const EARTH_RADIUS_KM: f64 = 6371.0088;

fn lat_index(lat: f64) -> i32 {
    (((lat + 90.0) / CELL_DEGREES).floor() as i32).clamp(0, LAT_CELLS - 1)
}

fn lon_index(lon: f64) -> i32 {
    (((lon + 180.0) / CELL_DEGREES).floor() as i32).rem_euclid(LON_CELLS)
}

/// The cell a point is in.
pub fn cell_of(p: Point) -> i32 {
    lat_index(p.lat) * LON_CELLS + lon_index(p.lon)
}

/// Every cell holding a point within `radius_km` of `base` (great-circle distance), and perhaps
/// a few more; sorted, no repeats.
pub fn cells_within(base: Point, radius_km: f64) -> Vec<i32> {
    // The disk's angular radius, a hair larger so rounding never loses an edge point.
    let delta = (radius_km.max(0.0) / EARTH_RADIUS_KM) * (1.0 + 1e-9) + 1e-12;
    let delta_deg = delta.to_degrees();
    let (south, north) = (lat_index(base.lat - delta_deg), lat_index(base.lat + delta_deg));
    // The disk's widest east-west reach: asin(sin δ / cos φ); it holds a pole when sin δ ≥ cos φ.
    let (sin_d, cos_lat) = (delta.sin(), base.lat.to_radians().cos());
    let all_longitudes = base.lat.abs() + delta_deg >= 90.0 || sin_d >= cos_lat;
    let lon_cells: Vec<i32> = if all_longitudes {
        (0..LON_CELLS).collect()
    } else {
        let dlon = (sin_d / cos_lat).asin().to_degrees();
        let (west, east) = ((base.lon - dlon + 180.0) / CELL_DEGREES, (base.lon + dlon + 180.0) / CELL_DEGREES);
        let (west, east) = (west.floor() as i32, east.floor() as i32);
        if east - west + 1 >= LON_CELLS {
            (0..LON_CELLS).collect()
        } else {
            (west..=east).map(|i| i.rem_euclid(LON_CELLS)).collect()
        }
    };
    let mut cells: Vec<i32> =
        (south..=north).flat_map(|row| lon_cells.iter().map(move |col| row * LON_CELLS + col)).collect();
    cells.sort_unstable();
    cells.dedup();
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance_km(a: Point, b: Point) -> f64 {
        let r = crate::services::routing::rank::Point { lat: a.lat, lon: a.lon };
        crate::services::routing::rank::distance_km(r, crate::services::routing::rank::Point { lat: b.lat, lon: b.lon })
    }
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whoever covers a point is listed under its cell: no point inside a disk falls in a cell
        /// the disk did not list, anywhere on Earth and at any radius the product allows.
        #[test]
        fn every_point_within_the_radius_is_in_a_listed_cell(
            lat in -89.9f64..89.9, lon in -180.0f64..180.0, radius in 1.0f64..500.0,
            bearing in 0.0f64..360.0, fraction in 0.0f64..=1.0,
        ) {
            let base = Point { lat, lon };
            // A point `fraction` of the radius away along `bearing`.
            let d = radius * fraction / EARTH_RADIUS_KM;
            let (phi, lambda, theta) = (lat.to_radians(), lon.to_radians(), bearing.to_radians());
            let phi2 = (phi.sin() * d.cos() + phi.cos() * d.sin() * theta.cos()).asin();
            let lambda2 = lambda + (theta.sin() * d.sin() * phi.cos()).atan2(d.cos() - phi.sin() * phi2.sin());
            let mut lon2 = lambda2.to_degrees();
            if lon2 >= 180.0 { lon2 -= 360.0 } else if lon2 < -180.0 { lon2 += 360.0 }
            let p = Point { lat: phi2.to_degrees(), lon: lon2 };
            prop_assume!(distance_km(base, p) <= radius);
            prop_assert!(cells_within(base, radius).binary_search(&cell_of(p)).is_ok(),
                "{p:?} at {:.3} km of {base:?} (radius {radius})", distance_km(base, p));
        }
    }

    #[test]
    fn a_fifty_kilometre_disk_in_sydney_lists_a_handful_of_cells() {
        let sydney = Point { lat: -33.87, lon: 151.21 };
        let cells = cells_within(sydney, 50.0);
        assert!(cells.len() <= 16, "{}", cells.len());
        assert!(cells.binary_search(&cell_of(sydney)).is_ok());
        // Parramatta (about 20 km west) shares a listed cell; Melbourne does not.
        assert!(cells.binary_search(&cell_of(Point { lat: -33.81, lon: 151.0 })).is_ok());
        assert!(cells.binary_search(&cell_of(Point { lat: -37.81, lon: 144.96 })).is_err());
    }

    #[test]
    fn near_a_pole_or_the_date_line_the_cells_wrap() {
        assert_eq!(cells_within(Point { lat: 89.8, lon: 0.0 }, 100.0).len() % LON_CELLS as usize, 0);
        let east = cells_within(Point { lat: -17.0, lon: 179.9 }, 30.0);
        assert!(east.binary_search(&cell_of(Point { lat: -17.0, lon: -179.9 })).is_ok());
    }
}
