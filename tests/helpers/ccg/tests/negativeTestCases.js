export const nonAsciiStrings = [
  '🔥💥🚫', // emojis
  'Привет', // Cyrillic
  'こんにちは', // Japanese
  'مرحبا', // Arabic
  'foo\u200Bbar' // includes zero-width space
];
