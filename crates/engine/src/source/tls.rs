//! TLS for the database wire protocols (PostgreSQL, MySQL): `sslmode` and rustls configured with
//! ring.

use super::SourceError;
use std::sync::Arc;
use visivo_project::load::template::unset_vars_in;

/// `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tls {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

impl Tls {
    pub(crate) fn from_source(name: &str, sslmode: Option<&str>) -> Result<Tls, SourceError> {
        let Some(mode) = sslmode else {
            return Ok(Tls::Disable);
        };
        if let Some(var) = unset_vars_in(mode).first() {
            return Err(SourceError::config(
                name,
                format!("`sslmode` comes from environment variable {var}, which is not set"),
            ));
        }
        match mode.trim().to_ascii_lowercase().as_str() {
            "" | "disable" => Ok(Tls::Disable),
            "prefer" => Ok(Tls::Prefer),
            "require" => Ok(Tls::Require),
            "verify-full" => Ok(Tls::VerifyFull),
            other => Err(SourceError::config(
                name,
                format!(
                    "sslmode '{other}' is not supported; use disable, prefer, require or \
                     verify-full"
                ),
            )),
        }
    }
}

/// A client configuration: certificates checked against the web PKI roots when `verify`.
pub(crate) fn tls_config(verify: bool) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions");
    if verify {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    }
}

/// `sslmode: require`/`prefer` as libpq does them: encrypted, the certificate not checked (the
/// handshake signatures still are).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
