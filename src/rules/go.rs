//! Go's parsers as Knative's validation uses them (`strconv.ParseInt`, `strconv.ParseFloat`,
//! `time.ParseDuration`), so that the policy admits and refuses exactly the texts Knative does.

/// Go's `strconv.ParseInt(text, 10, bits)`: an optional sign, at least one decimal digit, leading
/// zeros allowed, nothing else. `Err(true)` for a value out of range, `Err(false)` for bad syntax.
pub fn parse_int(text: &str, bits: u32) -> Result<i64, bool> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(false);
    }
    // Saturate instead of overflowing: a 400-digit value is only out of range.
    let magnitude = digits.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    let bound = 1u64 << (bits - 1);
    match (negative, magnitude) {
        (true, m) if m <= bound => Ok(0i64.wrapping_sub_unsigned(m)),
        (false, m) if m < bound => Ok(m as i64),
        _ => Err(true),
    }
}

/// A number as Go's `strconv.ParseFloat(text, 64)` reads it, kept exact: Knative only compares
/// it with a few bounds, and exact decimals spare the module Rust's float parser and its tables.
#[derive(Clone, Debug, PartialEq)]
pub enum Float {
    Nan,
    Infinite {
        negative: bool,
    },
    /// `0.<digits> x 10^point`, `digits` without leading or trailing zeros (empty for zero).
    Decimal {
        negative: bool,
        digits: String,
        point: i32,
    },
    /// A hexadecimal mantissa with a binary exponent (`0x1p-2`), exact in an f64 for any text a
    /// person writes.
    Hex(f64),
}

impl Float {
    /// How this number compares with `bound`, a plain decimal such as `0.01` or `-1` (`f64`
    /// for a hexadecimal number); `None` for NaN, as Go's comparisons are all false for it.
    pub fn cmp_to(&self, bound: &str) -> Option<std::cmp::Ordering> {
        match self {
            Float::Nan => None,
            Float::Infinite { negative } => Some(if *negative {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }),
            Float::Hex(value) => {
                let Some(Float::Decimal {
                    negative,
                    digits,
                    point,
                }) = parse_float(bound)
                else {
                    return None;
                };
                let magnitude: f64 = digits
                    .bytes()
                    .fold(0.0, |acc, d| acc * 10.0 + f64::from(d - b'0'));
                let scale = point - i32::try_from(digits.len()).ok()?;
                let bound = magnitude * 10f64.powi(scale);
                value.partial_cmp(&if negative { -bound } else { bound })
            }
            Float::Decimal { .. } => {
                let bound = parse_float(bound)?;
                Some(compare_decimals(self, &bound))
            }
        }
    }
}

/// Two `Float::Decimal`s, exactly.
fn compare_decimals(a: &Float, b: &Float) -> std::cmp::Ordering {
    use std::cmp::Ordering::Equal;
    let (
        Float::Decimal {
            negative: an,
            digits: ad,
            point: ap,
        },
        Float::Decimal {
            negative: bn,
            digits: bd,
            point: bp,
        },
    ) = (a, b)
    else {
        return Equal;
    };
    let sign = |negative: bool, digits: &str| match (digits.is_empty(), negative) {
        (true, _) => 0,
        (false, true) => -1,
        (false, false) => 1,
    };
    let (sa, sb) = (sign(*an, ad), sign(*bn, bd));
    if sa != sb || sa == 0 {
        return sa.cmp(&sb);
    }
    // Same sign: compare magnitudes (the larger exponent wins, then the digits), flipped when
    // both are negative.
    let magnitude = ap.cmp(bp).then_with(|| ad.as_str().cmp(bd.as_str()));
    if sa < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// Go's `strconv.ParseFloat(text, 64)`: decimal and exponent forms, `inf`/`infinity`/`nan` in
/// any case (the infinities signed), and hexadecimal mantissas with a binary exponent; an
/// underscore only after a base prefix. `None` where Go returns an error, including a value
/// beyond the largest f64 (decided by its decimal exponent: the sliver between f64::MAX and
/// where Go's rounding stops accepting is not modelled).
pub fn parse_float(text: &str) -> Option<Float> {
    let negative = text.starts_with('-');
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return Some(Float::Infinite { negative });
    }
    if lower == "nan" {
        return (unsigned.len() == text.len()).then_some(Float::Nan);
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return parse_hex_float(hex).map(|v| Float::Hex(if negative { -v } else { v }));
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, parse_int(exponent, 32).ok()?),
        None => (lower.as_str(), 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = [whole, fraction].concat();
    if all.is_empty() || !all.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    let point = i64::try_from(whole.len()).ok()? - i64::try_from(leading).ok()? + exponent;
    if digits.is_empty() {
        return Some(Float::Decimal {
            negative,
            digits,
            point: 0,
        });
    }
    if point > 309 {
        return None;
    }
    // Far below the smallest f64, Go rounds to zero.
    if point < -400 {
        return Some(Float::Decimal {
            negative,
            digits: String::new(),
            point: 0,
        });
    }
    Some(Float::Decimal {
        negative,
        digits,
        point: i32::try_from(point).ok()?,
    })
}

/// `mantissa` `p` `exponent` after `0x`, underscores between digits allowed.
fn parse_hex_float(hex: &str) -> Option<f64> {
    let hex = hex.replace('_', "");
    let (mantissa, exponent) = hex.split_once('p')?;
    let exponent = i32::try_from(parse_int(exponent, 32).ok()?).ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in whole.chars().chain(fraction.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let scale = exponent.checked_sub(4 * i32::try_from(fraction.len()).ok()?)?;
    let value = value * 2f64.powi(scale);
    value.is_finite().then_some(value)
}

pub const SECOND: i64 = 1_000_000_000;

/// Go's `time.ParseDuration`, in nanoseconds: an optional sign, then one or more decimal numbers
/// each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `1.5s`; `0`
/// alone needs no unit.
pub fn parse_duration(text: &str) -> Option<i64> {
    let negative = text.starts_with('-');
    let mut rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        if number.matches('.').count() > 1 {
            return None;
        }
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let scale: i64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => SECOND,
            "m" => 60 * SECOND,
            "h" => 3600 * SECOND,
            _ => return None,
        };
        let whole = match whole {
            "" => 0,
            digits => parse_int(digits, 64).ok()?,
        };
        let mut part = whole.checked_mul(scale)?;
        let mut unit_fraction = scale;
        for digit in fraction.bytes() {
            unit_fraction /= 10;
            part = part.checked_add(i64::from(digit - b'0') * unit_fraction)?;
        }
        total = total.checked_add(part)?;
        rest = next;
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_as_go_parses_them() {
        assert_eq!(parse_int("+007", 32), Ok(7));
        assert_eq!(parse_int("-2147483648", 32), Ok(-2147483648));
        assert_eq!(parse_int("2147483648", 32), Err(true));
        assert_eq!(parse_int("3000000000", 64), Ok(3_000_000_000));
        for bad in ["", "+", "1.5", " 1", "0x10", "1_000"] {
            assert_eq!(parse_int(bad, 64), Err(false), "{bad:?}");
        }
    }

    #[test]
    fn floats_parse_and_compare_as_go_does() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let cmp = |text: &str, bound: &str| parse_float(text).and_then(|f| f.cmp_to(bound));
        assert_eq!(cmp("0.01", "0.01"), Some(Equal));
        assert_eq!(cmp("0.0100", "0.01"), Some(Equal));
        assert_eq!(cmp("1e-2", "0.01"), Some(Equal));
        assert_eq!(cmp("0.005", "0.01"), Some(Less));
        assert_eq!(cmp("1e2", "100"), Some(Equal));
        assert_eq!(cmp("100.5", "100"), Some(Greater));
        assert_eq!(cmp(".5", "1"), Some(Less));
        assert_eq!(cmp("1.", "1"), Some(Equal));
        assert_eq!(cmp("-11", "0.01"), Some(Less));
        assert_eq!(cmp("-2", "-1"), Some(Less));
        assert_eq!(cmp("-0.5", "-1"), Some(Greater));
        assert_eq!(cmp("0", "-1"), Some(Greater));
        assert_eq!(cmp("-0", "0"), Some(Equal));
        assert_eq!(cmp("-Inf", "-1"), Some(Less));
        assert_eq!(cmp("+infinity", "1000"), Some(Greater));
        assert_eq!(cmp("NaN", "1"), None);
        assert_eq!(cmp("0x1p-2", "1"), Some(Less));
        assert_eq!(cmp("0x1.8p1", "3"), Some(Equal));
        assert_eq!(cmp("1e-500", "0.01"), Some(Less));
        for bad in [
            "", "abc", "100}", "1e", "0x1", "1_0", " 1", "1e400", "+NaN", ".", "e5",
        ] {
            assert_eq!(parse_float(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_parse_as_go_parses_them() {
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("1h30m"), Some(5400 * SECOND));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("1m9s82ms"), Some(69 * SECOND + 82_000_000));
        assert_eq!(parse_duration("-2s"), Some(-2 * SECOND));
        assert_eq!(parse_duration("300µs"), Some(300_000));
        assert_eq!(parse_duration(".5h"), Some(1800 * SECOND));
        for bad in ["", "1", "s", "1x", "1.2.3s", "-", "3000000h"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
