//! The mails Folio sends: templates in `templates/` (plain text and HTML; everything a
//! user typed is escaped in the HTML part by minijinja's auto-escaping) and the MIME
//! message around them. A reset link arrives sealed and is opened here, only to render
//! the mail (`folio_shared::queue::cipher`).

use anyhow::Context;
use folio_shared::queue::{CipherError, JobCipher, MailJob, MailKind};
use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};
use minijinja::{Environment, context};

/// The display name of every mail's sender.
pub const SENDER_NAME: &str = "Folio";

/// Renders jobs into messages.
#[derive(Clone)]
pub struct Templates {
    env: Environment<'static>,
    from: Mailbox,
    frontend_url: String,
    reset_expires_minutes: i64,
    cipher: JobCipher,
}

/// Why a job cannot become a message; never worth a retry. The text is the dead letter's
/// reason: it never holds the link.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The sealed reset link did not open (altered, moved, or another key's).
    #[error("reset link: {0}")]
    Link(#[from] CipherError),
    /// A template failed to render (named by the error, `password_reset.txt`...).
    #[error("template {}: {}", .0.name().unwrap_or("(unnamed)"), .0)]
    Template(#[from] minijinja::Error),
    /// The recipient is no address.
    #[error("recipient `{to}` is not an address: {source}")]
    Recipient {
        /// The address as queued.
        to: String,
        /// What lettre found wrong with it.
        source: lettre::address::AddressError,
    },
    /// The MIME message could not be built.
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
}

impl Templates {
    /// Loads the templates; `from` is `MAIL_FROM`; `cipher` opens the sealed reset links.
    pub fn new(
        from: &str,
        frontend_url: &str,
        reset_expires_minutes: i64,
        cipher: JobCipher,
    ) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        // `.html` names turn on HTML auto-escaping; `.txt` stays verbatim.
        for (name, source) in [
            (
                "password_reset.txt",
                include_str!("../templates/password_reset.txt"),
            ),
            (
                "password_reset.html",
                include_str!("../templates/password_reset.html"),
            ),
            (
                "password_changed.txt",
                include_str!("../templates/password_changed.txt"),
            ),
            (
                "password_changed.html",
                include_str!("../templates/password_changed.html"),
            ),
            (
                "email_changed.txt",
                include_str!("../templates/email_changed.txt"),
            ),
            (
                "email_changed.html",
                include_str!("../templates/email_changed.html"),
            ),
        ] {
            env.add_template(name, source)?;
        }
        let from = from
            .parse()
            .with_context(|| format!("MAIL_FROM `{from}` is not an address"))?;
        Ok(Self {
            env,
            from: Mailbox::new(Some(SENDER_NAME.to_owned()), from),
            frontend_url: frontend_url.to_owned(),
            reset_expires_minutes,
            cipher,
        })
    }

    /// The message for `job`. A reset link that does not open (altered, moved from another
    /// job, or sealed with a key this worker lacks) makes it unrenderable.
    pub fn render(&self, job: &MailJob) -> Result<Message, RenderError> {
        let (name, subject) = match job.kind {
            MailKind::PasswordReset => ("password_reset", "Reset your Folio password"),
            MailKind::PasswordChanged => ("password_changed", "Your Folio password was changed"),
            MailKind::EmailChanged => ("email_changed", "Your Folio email address was changed"),
        };
        let link = match job.kind {
            MailKind::PasswordReset => job.open_link(&self.cipher)?,
            MailKind::PasswordChanged | MailKind::EmailChanged => String::new(),
        };
        let ctx = context! {
            username => job.username,
            link => link,
            expires_minutes => self.reset_expires_minutes,
            frontend_url => self.frontend_url,
        };
        let render = |ext: &str| {
            self.env
                .get_template(&format!("{name}.{ext}"))
                .and_then(|t| t.render(&ctx))
        };
        // lettre's error does not say which address: the one place context is added.
        let to: Mailbox = job.to.parse().map_err(|source| RenderError::Recipient {
            to: job.to.clone(),
            source,
        })?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@folio>", job.id)))
            .multipart(MultiPart::alternative_plain_html(
                render("txt")?,
                render("html")?,
            ))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> JobCipher {
        JobCipher::from_keys(&JobCipher::generate_key()).unwrap()
    }

    fn templates_with(cipher: JobCipher) -> Templates {
        Templates::new("noreply@folio.test", "https://blog.example.com", 60, cipher).unwrap()
    }

    fn templates() -> Templates {
        templates_with(cipher())
    }

    fn text_of(message: &Message) -> String {
        folio_shared::test_utils::decode_quoted_printable(
            &String::from_utf8(message.formatted()).unwrap(),
        )
    }

    #[test]
    fn the_reset_mail_has_the_link_the_expiry_and_both_parts() {
        let cipher = cipher();
        let job = MailJob::new(MailKind::PasswordReset, "ann@example.com", "Ann", "")
            .with_link("https://blog.example.com/reset-password?token=abc", &cipher)
            .unwrap();
        let mail = text_of(&templates_with(cipher).render(&job).unwrap());
        assert!(mail.contains("From: Folio <noreply@folio.test>"), "{mail}");
        assert!(mail.contains("Subject: Reset your Folio password"));
        assert!(mail.contains("multipart/alternative"));
        assert!(mail.contains("text/plain") && mail.contains("text/html"));
        assert!(mail.contains("https://blog.example.com/reset-password?token=abc"));
        assert!(mail.contains("expires in 60 minutes"));
    }

    #[test]
    fn user_text_is_escaped_in_the_html_part_only() {
        let job = MailJob::new(
            MailKind::PasswordChanged,
            "ann@example.com",
            "<script>x</script>",
            "",
        );
        let message = templates().render(&job).unwrap();
        let mail = text_of(&message);
        assert!(
            mail.contains("Hello &lt;script&gt;x&lt;&#x2f;script&gt;,"),
            "{mail}"
        );
        assert!(
            mail.contains("Hello <script>x</script>,"),
            "plain text stays verbatim"
        );
    }

    #[test]
    fn a_reset_job_whose_link_does_not_open_cannot_be_rendered() {
        let sealed_elsewhere = MailJob::new(MailKind::PasswordReset, "ann@example.com", "Ann", "")
            .with_link(
                "https://blog.example.com/reset-password?token=abc",
                &cipher(),
            )
            .unwrap();
        let in_clear = MailJob::new(
            MailKind::PasswordReset,
            "ann@example.com",
            "Ann",
            "https://blog.example.com/reset-password?token=abc",
        );

        for job in [sealed_elsewhere, in_clear] {
            let err = templates().render(&job).unwrap_err();
            assert!(err.to_string().starts_with("reset link: "), "{err}");
            assert!(!err.to_string().contains("token"), "{err}");
        }
    }

    #[test]
    fn the_email_changed_mail_goes_to_the_old_address_with_no_link() {
        let job = MailJob::new(MailKind::EmailChanged, "old@example.com", "Ann", "");

        let mail = text_of(&templates().render(&job).unwrap());

        assert!(mail.contains("To: old@example.com"), "{mail}");
        assert!(mail.contains("Subject: Your Folio email address was changed"));
        assert!(mail.contains("Hello Ann,"));
        assert!(mail.contains("https://blog.example.com"), "who to contact");
        assert!(!mail.contains("token="), "no link that opens the account");
    }

    #[test]
    fn a_malformed_recipient_cannot_be_rendered() {
        let job = MailJob::new(MailKind::PasswordChanged, "not an address", "ann", "");
        assert!(templates().render(&job).is_err());
    }
}
