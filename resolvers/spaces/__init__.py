"""The life of a space: activation, objection, closing, deletion and purge, the transitions
due with time, one-time codes and the notifications that tell people about them."""
