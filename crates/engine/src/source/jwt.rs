//! Signed JSON Web Tokens (RS256) for the services that authenticate with an RSA key:
//! Snowflake's key-pair login and Google's service-account token exchange (BigQuery).
//!
//! ring signs (constant-time, and already the build's crypto provider). The `rsa` crate could
//! also write the public key's DER, but its signing is open to the Marvin timing attack
//! (RUSTSEC-2023-0071) and it would be a second RSA implementation for one 15-line DER wrapper,
//! so that wrapper ([`RsaSigner::public_key_spki_der`]) stays here.

use base64::Engine as _;
use serde_json::Value;
use visivo_project::Secret;

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA private key that signs JWTs with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), by ring.
/// (ring's `Debug` shows only the public half.)
#[derive(Debug)]
pub(crate) struct RsaSigner {
    key: ring::signature::RsaKeyPair,
}

impl RsaSigner {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or
    /// encrypted PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`, PBES2 with AES or 3DES as
    /// `openssl pkcs8 -topk8` writes it), which needs `passphrase`.
    pub(crate) fn from_pem(pem: &str, passphrase: Option<&Secret>) -> Result<RsaSigner, String> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::PrivateKeyDer;
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            let passphrase = passphrase.ok_or(
                "the private key is encrypted: give its passphrase in `private_key_passphrase`",
            )?;
            return Self::from_encrypted_pem(pem, passphrase);
        }
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| "no PEM private key found (expected `-----BEGIN PRIVATE KEY-----`)")?;
        let key = match &der {
            PrivateKeyDer::Pkcs8(der) => {
                ring::signature::RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            }
            PrivateKeyDer::Pkcs1(der) => {
                ring::signature::RsaKeyPair::from_der(der.secret_pkcs1_der())
            }
            _ => return Err("the key is not an RSA key".into()),
        }
        .map_err(|e| format!("not a usable RSA private key ({e})"))?;
        Ok(RsaSigner { key })
    }

    fn from_encrypted_pem(pem: &str, passphrase: &Secret) -> Result<RsaSigner, String> {
        use pkcs8::der::SecretDocument;
        let (_, document) = SecretDocument::from_pem(pem)
            .map_err(|e| format!("the encrypted private key is not valid PEM ({e})"))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(document.as_bytes())
            .map_err(|e| format!("not an encrypted PKCS#8 private key ({e})"))?;
        // A wrong passphrase shows as bad padding or a key that doesn't parse.
        let decrypted = encrypted.decrypt(passphrase.expose()).map_err(|e| {
            format!("the private key could not be decrypted: wrong passphrase? ({e})")
        })?;
        let key = ring::signature::RsaKeyPair::from_pkcs8(decrypted.as_bytes()).map_err(|_| {
            "the private key could not be decrypted: wrong passphrase? (the result is not an RSA key)"
                .to_string()
        })?;
        Ok(RsaSigner { key })
    }

    /// The public key as a DER SubjectPublicKeyInfo (what `openssl rsa -pubout -outform DER`
    /// writes).
    pub(crate) fn public_key_spki_der(&self) -> Vec<u8> {
        let pkcs1 = self.key.public().as_ref();
        // AlgorithmIdentifier { rsaEncryption, NULL }
        let algorithm: &[u8] = &[
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut bit_string = vec![0u8];
        bit_string.extend_from_slice(pkcs1);
        let mut inner = algorithm.to_vec();
        inner.extend(der_tlv(0x03, &bit_string));
        der_tlv(0x30, &inner)
    }

    /// `SHA256:<base64 of the SHA-256 of the public key's DER>`, as Snowflake shows it in
    /// `RSA_PUBLIC_KEY_FP`.
    pub(crate) fn public_key_fingerprint(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.public_key_spki_der());
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }

    /// A compact JWT: base64url(header).base64url(claims).base64url(RS256 signature).
    pub(crate) fn jwt(&self, header: &Value, claims: &Value) -> Result<String, String> {
        let signing_input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing the JWT failed".to_string())?;
        Ok(format!("{signing_input}.{}", base64url(&signature)))
    }
}

/// One DER element: tag, definite length, contents.
fn der_tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        assert_eq!(der_tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der_tlv(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
