"""Form helpers shared by every app's pages."""


def form_add_service_errors(form, exc, *, field=None):
    """Put a service error's field messages on the form; a message without fields goes on `field` (or the form)."""
    if exc.details:
        for name, errors in exc.details.items():
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(name if name in form.fields else None, str(error))
    else:
        form.add_error(field, str(exc.message))
