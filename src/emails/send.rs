//! Sending outbox emails through SMTP.

use diesel::prelude::*;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::{
    db::{Db, DbError, now, schema::email_outbox},
    emails::OutboxStatus,
    jobs::{Job, JobFailure},
};

/// An SMTP connection pool and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `smtp://user:pass@host:port` or `smtps://…` (lettre's URL syntax; add
    /// `?tls=required` to upgrade a plain connection with STARTTLS).
    pub fn new(url: &SecretString, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Mailer {
            transport,
            from: from.parse()?,
        })
    }
}

#[derive(Deserialize)]
struct Payload {
    outbox_id: i64,
}

/// The `emails.send` job: sends one outbox email and marks it sent. Without a mailer the email
/// stays pending in the outbox, where the admin can read it.
pub async fn run(db: Db, mailer: Option<Mailer>, job: Job) -> Result<(), JobFailure> {
    let Payload { outbox_id } = serde_json::from_str(&job.payload)
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let Some(mailer) = mailer else {
        return Ok(());
    };
    let row: Option<(String, String, String, String, String)> = db
        .run(move |conn| {
            email_outbox::table
                .find(outbox_id)
                .filter(email_outbox::status.eq(OutboxStatus::Pending))
                .select((
                    email_outbox::to_address,
                    email_outbox::subject,
                    email_outbox::body_text,
                    email_outbox::body_html,
                    email_outbox::kind,
                ))
                .first(conn)
                .optional()
                .map_err(DbError::from)
        })
        .await?;
    let Some((to, subject, text, html, _kind)) = row else {
        return Ok(());
    };
    let to: Mailbox = match to.parse() {
        Ok(m) => m,
        Err(e) => {
            record(&db, outbox_id, Err(format!("bad recipient: {e}"))).await?;
            return Err(JobFailure::Permanent(format!("bad recipient: {e}")));
        }
    };
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| JobFailure::Permanent(format!("cannot build the message: {e}")))?;
    match mailer.transport.send(message).await {
        Ok(_) => {
            record(&db, outbox_id, Ok(())).await?;
            Ok(())
        }
        Err(e) => {
            let error = format!("SMTP: {e}");
            let last_try = job.attempts >= job.max_attempts;
            record(&db, outbox_id, Err(error.clone())).await?;
            if last_try {
                mark_failed(&db, outbox_id).await?;
            }
            Err(JobFailure::Retry(error))
        }
    }
}

async fn record(db: &Db, outbox_id: i64, outcome: Result<(), String>) -> Result<(), DbError> {
    db.run(move |conn| {
        let target = email_outbox::table
            .find(outbox_id)
            .filter(email_outbox::status.eq(OutboxStatus::Pending));
        match outcome {
            Ok(()) => diesel::update(target)
                .set((
                    email_outbox::status.eq(OutboxStatus::Sent),
                    email_outbox::attempts.eq(email_outbox::attempts + 1),
                    email_outbox::sent_at.eq(Some(now())),
                ))
                .execute(conn),
            Err(error) => diesel::update(target)
                .set((
                    email_outbox::attempts.eq(email_outbox::attempts + 1),
                    email_outbox::last_error.eq(Some(error)),
                ))
                .execute(conn),
        }
        .map(|_| ())
        .map_err(DbError::from)
    })
    .await
}

async fn mark_failed(db: &Db, outbox_id: i64) -> Result<(), DbError> {
    db.run(move |conn| {
        diesel::update(email_outbox::table.find(outbox_id))
            .set(email_outbox::status.eq(OutboxStatus::Failed))
            .execute(conn)
            .map(|_| ())
            .map_err(DbError::from)
    })
    .await
}
