//! From untrusted bytes to a 300x300 JPEG.
//!
//! The format is decided by magic bytes only (JPEG, PNG, GIF, WebP). Decoding is bounded
//! before any pixel is allocated: a side over [`MAX_SIDE`] or an allocation over
//! [`MAX_ALLOC`] is refused from the header, so a tiny file claiming a huge canvas costs
//! nothing. Truncated or corrupt data is an error, never a panic. EXIF orientation is
//! applied, the centre is cropped to a square and resized, and the JPEG written at
//! quality 85 carries no metadata at all.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder,
    imageops::FilterType, metadata::Orientation,
};

/// Side of the stored picture, in pixels.
pub const AVATAR_SIDE: u32 = 300;
/// Quality of the stored JPEG.
pub const JPEG_QUALITY: u8 = 85;
/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 12_000;
/// Largest decoding buffer accepted (a 40-megapixel RGB photo fits); with one decode per
/// CPU this bounds the service's image memory.
pub const MAX_ALLOC: u64 = 128 * 1024 * 1024;

/// The accepted format of `bytes`, by magic number.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(ImageFormat::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(ImageFormat::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(ImageFormat::Gif),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// True when the main image's scan is followed by an end-of-image marker. The marker
/// segments before the first start-of-scan are walked by their lengths, so an EXIF
/// thumbnail inside APP1 is skipped; entropy-coded data escapes 0xFF, so the first
/// `FF D9` after the scan is the real end (trailers after it, as in motion photos, are
/// fine).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let next = at + 2 + length;
        if marker == 0xDA {
            return bytes
                .get(next..)
                .is_some_and(|scan| scan.windows(2).any(|w| w == [0xFF, 0xD9]));
        }
        at = next;
    }
    false
}

/// Why bytes were refused (for logs; users get one message).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl From<image::ImageError> for Refused {
    fn from(err: image::ImageError) -> Self {
        Refused(err.to_string())
    }
}

/// The stored picture for an upload. Each stage is a span of its own: decoding dominates
/// for large photos, resizing for huge canvases, so a slow upload's trace says which.
pub fn to_avatar(bytes: &[u8]) -> Result<Vec<u8>, Refused> {
    let (picture, orientation) =
        tracing::debug_span!("decode_image", bytes = bytes.len()).in_scope(|| decode(bytes))?;
    let square = tracing::debug_span!(
        "resize_image",
        width = picture.width(),
        height = picture.height()
    )
    .in_scope(|| to_square(&picture, orientation));
    tracing::debug_span!("encode_jpeg").in_scope(|| encode(&square))
}

/// The picture in `bytes` and how it is to be turned, within [`MAX_SIDE`] and [`MAX_ALLOC`].
fn decode(bytes: &[u8]) -> Result<(DynamicImage, Orientation), Refused> {
    let format = sniff(bytes).ok_or_else(|| Refused("not a JPEG, PNG, GIF or WebP file".into()))?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder pads a cut-off scan with grey rather than failing.
        return Err(Refused("truncated JPEG".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    // `into_decoder` checks the sides only; the buffer the decode needs is checked here.
    if decoder.total_bytes() > MAX_ALLOC {
        return Err(Refused(format!(
            "{} bytes to decode",
            decoder.total_bytes()
        )));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok((DynamicImage::from_decoder(decoder)?, orientation))
}

/// The centred square of `picture`, [`AVATAR_SIDE`] wide, upright.
fn to_square(picture: &DynamicImage, orientation: Orientation) -> image::RgbImage {
    // Crop the centred square at source size, then shrink it: scaling first to cover the
    // square would blow a 1x12000 strip up to 300x3600000 pixels.
    let (width, height) = (picture.width(), picture.height());
    let side = width.min(height);
    let mut square = picture
        .crop_imm((width - side) / 2, (height - side) / 2, side, side)
        .resize_exact(AVATAR_SIDE, AVATAR_SIDE, FilterType::Lanczos3);
    // Turning commutes with a centred square crop: do it on the small picture.
    square.apply_orientation(orientation);
    square.to_rgb8()
}

/// `square` as a JPEG of [`JPEG_QUALITY`], without metadata.
fn encode(square: &image::RgbImage) -> Result<Vec<u8>, Refused> {
    let mut jpeg = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY).encode_image(square)?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use image::{ImageEncoder, RgbImage, codecs::png::PngEncoder};

    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, _| image::Rgb([(x % 256) as u8, 10, 20]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(&img, width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn magic_bytes_decide_the_format() {
        assert_eq!(sniff(&png(2, 2)), Some(ImageFormat::Png));
        assert_eq!(sniff(b"GIF89a...."), Some(ImageFormat::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormat::WebP));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageFormat::Jpeg));
        assert_eq!(sniff(b"<svg xmlns=...>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_wide_picture_becomes_a_300_square_jpeg() {
        let jpeg = to_avatar(&png(900, 400)).unwrap();
        assert_eq!(sniff(&jpeg), Some(ImageFormat::Jpeg));
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (300, 300));
    }

    #[test]
    fn a_thin_strip_is_cropped_before_it_is_scaled() {
        let jpeg = to_avatar(&png(1, 6000)).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (300, 300));
    }

    #[test]
    fn truncated_data_is_refused_not_a_panic() {
        let full = png(64, 64);
        assert!(to_avatar(&full[..full.len() / 2]).is_err());
        assert!(to_avatar(&full[..12]).is_err());
    }
}
