//! Check digits and published numbering rules, as pure functions over ASCII.
//!
//! Every detector that has a public validator calls it here, so a candidate found by shape alone
//! (a 16-digit run, a 22-character alphanumeric word) becomes a finding only when the issuer's
//! own arithmetic agrees: Luhn (ISO/IEC 7812) for cards, ISO 13616 mod-97 for IBANs, the ABA
//! 3-7-1 weights, Verhoeff for Aadhaar, the SSA's SSN rules and IRS ITIN ranges, the Spanish
//! mod-23 letter, the Italian codice-fiscale odd/even tables. Inputs are digit or character
//! slices with separators already removed; nothing here allocates or panics.

/// Luhn mod-10 over ASCII digits.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// Payment-card issuer ranges and lengths (ISO/IEC 7812 IINs as the networks publish them):
/// `(prefix low, prefix high, prefix digits, allowed lengths)`.
const CARD_ISSUERS: &[(u32, u32, u32, &[usize])] = &[
    (4, 4, 1, &[13, 16, 19]),                   // Visa
    (51, 55, 2, &[16]),                         // Mastercard
    (2221, 2720, 4, &[16]),                     // Mastercard 2-series
    (34, 34, 2, &[15]),                         // American Express
    (37, 37, 2, &[15]),                         // American Express
    (300, 305, 3, &[14, 16, 19]),               // Diners Club
    (36, 36, 2, &[14, 16, 19]),                 // Diners Club International
    (38, 39, 2, &[14, 16, 19]),                 // Diners Club
    (6011, 6011, 4, &[16, 19]),                 // Discover
    (644, 649, 3, &[16, 19]),                   // Discover
    (65, 65, 2, &[16, 19]),                     // Discover
    (3528, 3589, 4, &[16, 17, 18, 19]),         // JCB
    (62, 62, 2, &[16, 17, 18, 19]),             // UnionPay
    (50, 50, 2, &[12, 13, 14, 15, 16, 17, 18, 19]), // Maestro
    (56, 58, 2, &[12, 13, 14, 15, 16, 17, 18, 19]), // Maestro
    (639, 639, 3, &[12, 13, 14, 15, 16, 17, 18, 19]), // Maestro
    (67, 67, 2, &[12, 13, 14, 15, 16, 17, 18, 19]), // Maestro
    (2200, 2204, 4, &[16, 17, 18, 19]),         // Mir
    (1, 1, 1, &[15]),                           // UATP
];

/// A payment card number: a known issuer prefix, that issuer's length, and Luhn.
pub fn card(digits: &[u8]) -> bool {
    let prefix = |n: u32| digits.iter().take(n as usize).fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    digits.len() >= 12
        && CARD_ISSUERS.iter().any(|&(lo, hi, n, lens)| (lo..=hi).contains(&prefix(n)) && lens.contains(&digits.len()))
        && luhn(digits)
}

fn num(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |a, d| a * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// US Social Security Number (9 digits): area not 000, 666 or 9xx; group not 00; serial not
/// 0000; not one of the numbers the SSA voided after they were published (Woolworth's
/// 078-05-1120, the 1940s advertising 219-09-9999, 123-45-6789).
pub fn ssn(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let (area, group, serial) = (num(&d[..3]), num(&d[3..5]), num(&d[5..]));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 && !matches!(d, b"078051120" | b"219099999" | b"123456789")
}

/// US ITIN: 9 digits, starts with 9, and the 4th-5th digits in 50-65, 70-88, 90-92 or 94-99.
pub fn itin(d: &[u8]) -> bool {
    d.len() == 9 && d[0] == b'9' && matches!(num(&d[3..5]), 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// ABA routing transit number: Federal Reserve prefix (00-12, 21-32, 61-72, 80) and the
/// 3-7-1 weighted checksum.
pub fn aba(d: &[u8]) -> bool {
    if d.len() != 9 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let w = [3, 7, 1];
    let sum: u32 = d.iter().enumerate().map(|(i, c)| w[i % 3] * u32::from(c - b'0')).sum();
    matches!(num(&d[..2]), 0..=12 | 21..=32 | 61..=72 | 80) && sum % 10 == 0 && sum > 0
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff check over ASCII digits (the last digit is the check digit).
pub fn verhoeff(d: &[u8]) -> bool {
    let mut c = 0u8;
    for (i, x) in d.iter().rev().enumerate() {
        let v = x.wrapping_sub(b'0');
        if v > 9 {
            return false;
        }
        c = VERHOEFF_D[c as usize][VERHOEFF_P[i % 8][v as usize] as usize];
    }
    !d.is_empty() && c == 0
}

/// Indian Aadhaar: 12 digits, first digit 2-9, Verhoeff check digit.
pub fn aadhaar(d: &[u8]) -> bool {
    d.len() == 12 && (b'2'..=b'9').contains(&d[0]) && verhoeff(d)
}

/// IBAN lengths by country (ISO 13616 registry, SWIFT release 2024), alphabetical.
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22),
    (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"EE", 20),
    (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22),
    (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HN", 28), (b"HR", 21),
    (b"HU", 28), (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30),
    (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20),
    (b"LV", 21), (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19), (b"MN", 20),
    (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23),
    (b"PK", 24), (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22),
    (b"RU", 33), (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24),
    (b"SM", 27), (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26),
    (b"UA", 29), (b"VA", 22), (b"VG", 24), (b"XK", 20), (b"YE", 30),
];

/// The registered IBAN length for a country code, if the country issues IBANs.
pub fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS.iter().find(|(c, _)| c.as_slice() == country).map(|&(_, n)| n)
}

/// An IBAN without separators: registered country and length, check digits, mod-97 == 1.
pub fn iban(s: &[u8]) -> bool {
    if s.len() < 15 || iban_length(&s[..2]) != Some(s.len()) || !s[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut rem = 0u32;
    for &c in s[4..].iter().chain(&s[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// UK National Insurance number (HMRC rules): two prefix letters (first not D F I Q U V, second
/// not D F I O Q U V, not BG GB KN NK NT TN ZZ), six digits, suffix A-D.
pub fn uk_nino(s: &[u8]) -> bool {
    if s.len() != 9 || !s[2..8].iter().all(u8::is_ascii_digit) || !(b'A'..=b'D').contains(&s[8]) {
        return false;
    }
    let (a, b) = (s[0], s[1]);
    a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !b"DFIQUV".contains(&a)
        && !b"DFIOQUV".contains(&b)
        && !matches!(&s[..2], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ")
}

/// Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is
/// `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]`, with X/Y/Z read as 0/1/2. Case-insensitive.
pub fn es_dni(s: &[u8]) -> bool {
    if s.len() != 9 {
        return false;
    }
    let first = match s[0].to_ascii_uppercase() {
        b'X' => b'0',
        b'Y' => b'1',
        b'Z' => b'2',
        c => c,
    };
    let mut digits = [0u8; 8];
    digits[0] = first;
    digits[1..].copy_from_slice(&s[1..8]);
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    b"TRWAGMYFPDXBNJZSQVHLCKE"[(num(&digits) % 23) as usize] == s[8].to_ascii_uppercase()
}

/// Italian codice fiscale (DM 23/12/1976): shape `LLLLLL DD M DD L DDD C` where the digits may be
/// replaced by `LMNPQRSTUV` (omocodia), month in `ABCDEHLMPRST`; returns `Some(checksum ok)`
/// when the shape holds, `None` otherwise.
pub fn it_fiscal_code(s: &[u8]) -> Option<bool> {
    if s.len() != 16 || !s.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let up: Vec<u8> = s.iter().map(u8::to_ascii_uppercase).collect();
    let digitish = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    let letters = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    let digits = [6, 7, 9, 10, 12, 13, 14];
    if !letters.iter().all(|&i| up[i].is_ascii_uppercase())
        || !digits.iter().all(|&i| digitish(up[i]))
        || !b"ABCDEHLMPRST".contains(&up[8])
    {
        return None;
    }
    const ODD: [u32; 26] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let sum: u32 = up[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let v = if c.is_ascii_digit() { usize::from(c - b'0') } else { usize::from(c - b'A') };
            if i % 2 == 0 {
                ODD[v]
            } else {
                v as u32
            }
        })
        .sum();
    Some(up[15] == b'A' + (sum % 26) as u8)
}

/// Indian PAN shape: five letters (the 4th a holder type `ABCFGHLJPT`), four digits, a letter.
pub fn in_pan(s: &[u8]) -> bool {
    s.len() == 10
        && s[..5].iter().all(u8::is_ascii_uppercase)
        && b"ABCFGHLJPT".contains(&s[3])
        && s[5..9].iter().all(u8::is_ascii_digit)
        && s[9].is_ascii_uppercase()
}

/// A calendar date given as year, month, day (Gregorian leap years).
pub fn date(y: u32, m: u32, d: u32) -> bool {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
}

/// Shannon entropy of `s` in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| {
        let p = f64::from(c) / n;
        -p * p.log2()
    }).sum()
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_cards() {
        assert!(card(b"4111111111111111"));
        assert!(card(b"378282246310005"), "amex");
        assert!(card(b"6011111111111117"), "discover");
        assert!(card(b"5555555555554444"));
        assert!(card(b"2223003122003222"), "mastercard 2-series");
        assert!(card(b"3530111333300000"), "jcb");
        assert!(!card(b"4111111111111112"), "bad luhn");
        assert!(!card(b"4012888888881882"));
        assert!(!card(b"9111111111111111"), "no issuer 9");
        assert!(!card(b"41111111111111"), "visa has no 14-digit numbers");
        assert!(luhn(b"79927398713"));
    }

    #[test]
    fn ssn_itin_rules() {
        assert!(ssn(b"078051121"));
        assert!(ssn(b"536901234"));
        for bad in [&b"000121234"[..], b"666121234", b"900121234", b"123001234", b"123450000", b"078051120", b"219099999", b"12345678"] {
            assert!(!ssn(bad), "{}", String::from_utf8_lossy(bad));
        }
        assert!(itin(b"911701234"));
        assert!(itin(b"900931234") == false, "group 93 is not issued");
        assert!(!itin(b"911891234"));
        assert!(!itin(b"811701234"));
    }

    #[test]
    fn aba_checksum() {
        assert!(aba(b"121000358"));
        assert!(aba(b"011000015"));
        assert!(!aba(b"121000359"));
        assert!(!aba(b"921000358"), "prefix 92 is not a Federal Reserve district");
        assert!(!aba(b"000000000"));
    }

    #[test]
    fn aadhaar_verhoeff() {
        assert!(verhoeff(b"2363"));
        assert!(aadhaar(b"312345678909"));
        assert!(!aadhaar(b"312345678908"));
        assert!(!aadhaar(b"123456789012"), "cannot start with 1");
    }

    #[test]
    fn iban_mod97() {
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(iban(b"DE89370400440532013000"));
        assert!(!iban(b"DE89370400440532013001"));
        assert!(!iban(b"DE8937040044053201300"), "wrong length for DE");
        assert!(!iban(b"XX89370400440532013000"), "unknown country");
    }

    #[test]
    fn national_ids() {
        assert!(uk_nino(b"AB123456C"));
        assert!(!uk_nino(b"QQ123456C"), "Q is never a first letter");
        assert!(!uk_nino(b"GB123456A"));
        assert!(!uk_nino(b"AB123456E"));
        assert!(es_dni(b"12345678Z"));
        assert!(es_dni(b"12345678z"));
        assert!(es_dni(b"X1234567L"));
        assert!(!es_dni(b"12345678A"));
        assert_eq!(it_fiscal_code(b"RSSMRA85T10A562S"), Some(true));
        assert_eq!(it_fiscal_code(b"RSSMRA85T10A562T"), Some(false));
        assert_eq!(it_fiscal_code(b"RSSMRA85X10A562S"), None, "X is not a month");
        assert!(in_pan(b"ABCPE1234F"));
        assert!(!in_pan(b"ABCXE1234F"));
    }

    #[test]
    fn dates_and_entropy() {
        assert!(date(2000, 2, 29));
        assert!(!date(1900, 2, 29));
        assert!(!date(1990, 13, 1));
        assert!(entropy(b"aaaaaaaa") < 0.01);
        assert!(entropy(b"abcdefgh") > 2.9);
    }
}
