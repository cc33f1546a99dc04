"""Sending a message through the Airflow SMTP provider, on the Airflow connection the workspace
names (the one module of the domain that uses an Airflow provider: the connection, its secrets and
TLS settings are Airflow's to manage)."""

from __future__ import annotations

from techreform.delivery import Message, Settings


def send(message: Message, settings: Settings) -> None:
    """Raises on failure (the caller records it and the task is retried)."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    files = [str(p) for p in [*message.attachments, *message.images]]
    with SmtpHook(smtp_conn_id=settings.smtp_conn_id) as hook:
        hook.send_email_smtp(
            to=settings.to,
            subject=message.subject,
            html_content=message.html,
            from_email=settings.sender,
            files=files,
        )
