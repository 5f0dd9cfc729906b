"""The life of a space: activation, objection, closing, deletion and purge, the transitions
due with time, one-time codes and the notifications that tell people about them; and the
patient's news (``news``, ``news_choices``): emails saying something new is in her space."""
