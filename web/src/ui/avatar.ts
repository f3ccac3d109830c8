// Profile pictures, falling back to the default image when a stored one cannot load
// (deleted object, bucket outage).

import { h } from '../dom';
import type { UserPublic } from '../types';

export const DEFAULT_AVATAR_URL = '/static/profile_pics/default.jpg';

export function avatar(
  user: Pick<UserPublic, 'image_path' | 'username'>,
  size: 'sm' | 'md' | 'lg',
): HTMLImageElement {
  const image = h('img', {
    class: `avatar avatar-${size}`,
    src: user.image_path || DEFAULT_AVATAR_URL,
    alt: `${user.username}'s profile picture`,
    width: size === 'lg' ? 128 : size === 'md' ? 48 : 32,
    height: size === 'lg' ? 128 : size === 'md' ? 48 : 32,
    loading: 'lazy',
    decoding: 'async',
  });
  useDefaultOnError(image);
  return image;
}

/** Swaps in the default picture once if `image` fails (never loops if that fails too). */
export function useDefaultOnError(image: HTMLImageElement): void {
  image.addEventListener('error', () => {
    if (!image.src.endsWith(DEFAULT_AVATAR_URL)) image.src = DEFAULT_AVATAR_URL;
  });
}
