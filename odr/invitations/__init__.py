"""The respondent's journey: the invitation link, an account or the link alone, consent or
decline, their side and evidence. See docs/notifications.md."""
