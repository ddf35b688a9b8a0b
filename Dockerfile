# One image for the web app and both kinds of worker. torch==2.13.0 from PyPI is the CUDA
# build on Linux x86_64: it uses the GPU where the container is given one, the CPU otherwise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=webapp.settings.production

# tesseract-ocr reads the slot labels of karyograms whose layout the geometry alone cannot read.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 chromo
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --chown=chromo:chromo . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
    && mkdir -p /data/media && chown chromo:chromo /data/media
USER chromo
EXPOSE 8000
CMD ["gunicorn", "webapp.wsgi", "-b", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
