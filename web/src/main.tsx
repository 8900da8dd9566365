import { QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { newQueryClient, newRouter } from './router.tsx'
import './theme.css'

const queryClient = newQueryClient()
const router = newRouter(queryClient)
const root = document.getElementById('root')
if (!root) throw new Error('no #root in index.html')
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
