"""What the service produces: plan documents, exports, calendar files, e-mail."""
