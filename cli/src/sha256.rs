//! SHA-256 as lower-case hex (what `sha256sum` prints), for the module checksum Istio and Envoy
//! Gateway verify (`sha256:`) and the ECDS version.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `data`.
pub fn hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn prints_what_sha256sum_prints() {
        // FIPS 180-4's "abc" vector, and the empty input.
        assert_eq!(super::hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(super::hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
