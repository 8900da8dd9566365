import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev -w @fjord/web` serves the console with hot reload in front of the api that
// `npm start` runs; the build is what the api serves at `/`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2023', assetsInlineLimit: 0 },
  server: {
    proxy: Object.fromEntries(['/v1', '/docs'].map((path) => [path, 'http://127.0.0.1:8080'])),
  },
})
