-- How each session began (a sign-in link or the organisation's OpenID provider), and for an
-- SSO session the provider's ID token, kept only while the session lives: logging out hands it
-- back to the provider as id_token_hint (RP-initiated logout). It stays on the server because
-- an ID token with a groups claim can outgrow a cookie.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'link' CHECK (method IN ('link', 'sso'));
ALTER TABLE sessions ADD COLUMN id_token TEXT;
