"""Reading posted forms: CSRF, WTForms classes and the generated forms."""
