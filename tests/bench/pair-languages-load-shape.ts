// The languages and interest count of the language pairing bench (pair-languages*.ts).
export const LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'it', 'ru', 'ja', 'zh', 'ar', 'hi', 'tr']
export const INTERESTS = 100
