//! Numeric edge probes: a value that is one number just past what the application's numeric
//! types hold. Scanners send `2147483648` (one past `i32::MAX`), `-2147483649`, `4294967296`
//! (2^32) and their 64-bit twins to make an SQL engine or the code before it wrap, truncate or
//! fail; `1e309` overflows a double to infinity; and `2.2250738585072011e-308`, below the
//! smallest normal double, hung PHP's and Java's string-to-double conversion. An API's own
//! numbers stay inside the types (`2147483647`, `4294967295`, `1e10` are limits and sizes).

/// Whether `b` (the whole value) is such a probe.
pub(super) fn edge_number(b: &[u8]) -> bool {
    if !number_shaped(b) {
        return false;
    }
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return integer_edge(negative, digits);
    }
    // A decimal literal whose value a double cannot hold: it overflows to infinity, or it falls
    // between zero and the smallest normal double (the subnormals).
    let Ok(x) = std::str::from_utf8(b).unwrap_or("").parse::<f64>() else { return false };
    x.is_infinite() || x != 0.0 && x.abs() < f64::MIN_POSITIVE
}

/// `digits` (a magnitude, signed by `negative`) one past the range of a 32- or 64-bit signed or
/// unsigned integer.
fn integer_edge(negative: bool, digits: &[u8]) -> bool {
    // Longer than 2^64's twenty digits is no edge; leading zeros are padding.
    let digits = &digits[digits.iter().position(|&c| c != b'0').unwrap_or(digits.len())..];
    if digits.len() > 20 {
        return false;
    }
    let n = digits.iter().fold(0u128, |n, &c| n * 10 + u128::from(c - b'0'));
    if negative {
        n == (1 << 31) + 1 || n == (1 << 63) + 1
    } else {
        n == 1 << 31 || n == 1 << 32 || n == 1 << 63 || n == 1 << 64
    }
}

/// Whether `b` holds only what a number literal does (digits, a sign, a point, an exponent),
/// with a digit, and is short: the check the trigger gate makes before parsing.
pub(super) fn number_shaped(b: &[u8]) -> bool {
    b.len() <= 40 && b.iter().any(u8::is_ascii_digit) && b.iter().all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
}

#[cfg(test)]
mod tests {
    use super::edge_number;

    #[test]
    fn integers_one_past_a_type() {
        for v in ["2147483648", "-2147483649", "4294967296", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "+2147483648", "0002147483648"] {
            assert!(edge_number(v.as_bytes()), "{v}");
        }
        for v in ["2147483647", "-2147483648", "4294967295", "9223372036854775807", "2147483649", "12345678901", "0", "-1", "21474836480", "99999999999999999999999"] {
            assert!(!edge_number(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn doubles_past_their_range() {
        for v in ["1e309", "-1e400", "2e308", "1.8e308", "2.2250738585072011e-308", "4.9e-324", "1E-310"] {
            assert!(edge_number(v.as_bytes()), "{v}");
        }
        for v in ["1e308", "1.7e308", "2.2250738585072014e-308", "1e-300", "1e10", "3.14", "0.0", "0e999", "1e", "e309", "1-2", "2024-01-01", "1.2.3"] {
            assert!(!edge_number(v.as_bytes()), "{v}");
        }
    }
}
