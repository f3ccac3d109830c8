// Choosing a new profile picture: the limits are shown up front and checked before
// anything is sent (the server checks again: magic bytes, 5 MB), with a preview.

import { h } from '../dom';

/** MAX_UPLOAD_SIZE_BYTES of the media service. */
export const MAX_PICTURE_BYTES = 5 * 1024 * 1024;
const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|gif|webp)$/i;
export const PICTURE_LIMITS_TEXT = 'JPEG, PNG, GIF or WebP, up to 5 MB. It is cropped to a square.';

/** Why `file` cannot be sent, or null when it may be. */
export function pictureProblem(file: File): string | null {
  const typeKnown = file.type !== '';
  if (typeKnown ? !ACCEPTED_TYPES.includes(file.type) : !ACCEPTED_EXTENSIONS.test(file.name)) {
    return 'That file is not a picture we can use. Please choose a JPEG, PNG, GIF or WebP image.';
  }
  if (file.size > MAX_PICTURE_BYTES) {
    return `That picture is ${formatMegabytes(file.size)}; the limit is 5 MB. Please choose a smaller one.`;
  }
  return null;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export interface PicturePicker {
  input: HTMLInputElement;
  preview: HTMLImageElement;
  /** The chosen file when it passed the checks. */
  file: () => File | null;
  reset: () => void;
}

/** `onChange` gets the problem with the chosen file (null when it is fine or none is chosen). */
export function picturePicker(
  onChange: (problem: string | null, file: File | null) => void,
): PicturePicker {
  const input = h('input', {
    type: 'file',
    name: 'file',
    id: 'picture-file',
    accept: ACCEPTED_TYPES.join(','),
    'aria-describedby': 'picture-limits',
  });
  const preview = h('img', {
    class: 'avatar avatar-lg picture-preview',
    alt: 'Preview of the new picture',
    hidden: true,
    width: 128,
    height: 128,
  });
  let chosen: File | null = null;
  let previewUrl: string | null = null;

  const clearPreview = () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    preview.hidden = true;
    preview.removeAttribute('src');
  };

  input.addEventListener('change', () => {
    clearPreview();
    const file = input.files?.[0] ?? null;
    const problem = file ? pictureProblem(file) : null;
    chosen = file && !problem ? file : null;
    if (chosen) {
      previewUrl = URL.createObjectURL(chosen);
      preview.src = previewUrl;
      preview.hidden = false;
    }
    onChange(problem, chosen);
  });

  return {
    input,
    preview,
    file: () => chosen,
    reset: () => {
      input.value = '';
      chosen = null;
      clearPreview();
    },
  };
}
