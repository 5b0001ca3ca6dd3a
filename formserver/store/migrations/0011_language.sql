-- The language a person chose for the service's pages (and later their e-mails): "sv", "en".
-- NULL: not chosen, so the browser's language or the organisation's default decides.
ALTER TABLE people ADD COLUMN language TEXT;
