/**
 * The demo catalog's world: a 3-level category tree of a second-hand marketplace, the brands and item
 * nouns of each branch, and the words titles and descriptions are composed from. Written by hand for
 * the generator; no real listing text.
 */
export interface CategoryBranch {
  /** level 0 > level 1 */
  path: [string, string];
  leaves: string[];
  brands: string[];
  /** median price in cents and the log-normal spread */
  medianPrice: number;
  sigma: number;
  sizes?: string[];
}

const CLOTHING_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const SHOE_SIZES = ['6', '7', '8', '9', '10', '11', '12'];
const KIDS_SIZES = ['2T', '3T', '4T', '5', '6', '8', '10', '12'];

export const CATEGORY_BRANCHES: CategoryBranch[] = [
  {
    path: ['Women', 'Tops & Blouses'],
    leaves: ['T-Shirts', 'Blouses', 'Tank Tops', 'Sweaters', 'Hoodies', 'Button-Down Shirts'],
    brands: ['Nike', 'Lululemon', 'Zara', 'H&M', 'Free People', 'Gap', 'Old Navy', 'Madewell'],
    medianPrice: 1800,
    sigma: 0.6,
    sizes: CLOTHING_SIZES,
  },
  {
    path: ['Women', 'Dresses'],
    leaves: ['Maxi Dresses', 'Midi Dresses', 'Mini Dresses', 'Cocktail Dresses', 'Casual Dresses'],
    brands: ['Zara', 'Free People', 'Lulus', 'Anthropologie', 'Reformation', 'Express'],
    medianPrice: 3200,
    sigma: 0.7,
    sizes: CLOTHING_SIZES,
  },
  {
    path: ['Women', 'Shoes'],
    leaves: ['Sneakers', 'Boots', 'Sandals', 'Heels', 'Flats', 'Ankle Boots'],
    brands: ['Nike', 'Adidas', 'Converse', 'Vans', 'Dr. Martens', 'Steve Madden', 'UGG'],
    medianPrice: 4500,
    sigma: 0.7,
    sizes: SHOE_SIZES,
  },
  {
    path: ['Women', 'Handbags'],
    leaves: ['Shoulder Bags', 'Crossbody Bags', 'Totes', 'Backpacks', 'Wallets', 'Clutches'],
    brands: ['Coach', 'Michael Kors', 'Kate Spade', 'Louis Vuitton', 'Gucci', 'Fossil'],
    medianPrice: 6500,
    sigma: 1.0,
  },
  {
    path: ['Women', 'Jeans & Pants'],
    leaves: ['Skinny Jeans', 'Wide Leg Jeans', 'Leggings', 'Joggers', 'Trousers'],
    brands: ["Levi's", 'Lululemon', 'American Eagle', 'Madewell', 'Abercrombie'],
    medianPrice: 2600,
    sigma: 0.6,
    sizes: ['24', '25', '26', '27', '28', '29', '30', '31', '32'],
  },
  {
    path: ['Women', 'Jewelry'],
    leaves: ['Necklaces', 'Earrings', 'Bracelets', 'Rings', 'Watches'],
    brands: ['Pandora', 'Kendra Scott', 'Tiffany & Co.', 'Swarovski', 'Fossil'],
    medianPrice: 3000,
    sigma: 1.0,
  },
  {
    path: ['Men', 'Tops'],
    leaves: ['T-Shirts', 'Polos', 'Hoodies', 'Sweatshirts', 'Dress Shirts', 'Flannel Shirts'],
    brands: ['Nike', 'Adidas', 'Ralph Lauren', 'Champion', 'Patagonia', 'Carhartt', 'Supreme'],
    medianPrice: 2000,
    sigma: 0.7,
    sizes: CLOTHING_SIZES,
  },
  {
    path: ['Men', 'Shoes'],
    leaves: ['Athletic Shoes', 'Sneakers', 'Boots', 'Loafers', 'Sandals'],
    brands: ['Nike', 'Jordan', 'Adidas', 'New Balance', 'Timberland', 'Vans', 'Yeezy'],
    medianPrice: 6000,
    sigma: 0.8,
    sizes: SHOE_SIZES,
  },
  {
    path: ['Men', 'Coats & Jackets'],
    leaves: ['Puffer Jackets', 'Denim Jackets', 'Rain Jackets', 'Fleece Jackets', 'Bomber Jackets'],
    brands: ['The North Face', 'Patagonia', 'Columbia', 'Carhartt', "Levi's", 'Canada Goose'],
    medianPrice: 5500,
    sigma: 0.8,
    sizes: CLOTHING_SIZES,
  },
  {
    path: ['Men', 'Accessories'],
    leaves: ['Hats', 'Belts', 'Sunglasses', 'Watches', 'Wallets'],
    brands: ['Ray-Ban', 'Oakley', 'Fossil', 'Casio', 'New Era', 'Seiko'],
    medianPrice: 2500,
    sigma: 0.9,
  },
  {
    path: ['Electronics', 'Cell Phones & Accessories'],
    leaves: ['Cell Phones & Smartphones', 'Cases & Covers', 'Chargers & Cables', 'Screen Protectors'],
    brands: ['Apple', 'Samsung', 'Google', 'OtterBox', 'Anker', 'Motorola'],
    medianPrice: 4000,
    sigma: 1.3,
  },
  {
    path: ['Electronics', 'Computers & Tablets'],
    leaves: ['Laptops', 'Tablets', 'Desktops', 'Monitors', 'Keyboards', 'Computer Mice'],
    brands: ['Apple', 'Dell', 'HP', 'Lenovo', 'Microsoft', 'Logitech', 'Asus'],
    medianPrice: 20000,
    sigma: 1.0,
  },
  {
    path: ['Electronics', 'Video Games & Consoles'],
    leaves: ['Consoles', 'Games', 'Controllers', 'Gaming Headsets'],
    brands: ['Nintendo', 'Sony', 'Microsoft', 'Razer', 'Turtle Beach'],
    medianPrice: 3500,
    sigma: 1.0,
  },
  {
    path: ['Electronics', 'Audio'],
    leaves: ['Headphones', 'Earbuds', 'Bluetooth Speakers', 'Turntables', 'Soundbars'],
    brands: ['Apple', 'Bose', 'Sony', 'Beats', 'JBL', 'Sonos'],
    medianPrice: 6000,
    sigma: 0.9,
  },
  {
    path: ['Electronics', 'Cameras & Photography'],
    leaves: ['Digital Cameras', 'Lenses', 'Film Cameras', 'Drones', 'Tripods'],
    brands: ['Canon', 'Nikon', 'Sony', 'Fujifilm', 'GoPro', 'DJI'],
    medianPrice: 25000,
    sigma: 1.0,
  },
  {
    path: ['Home', 'Kitchen & Dining'],
    leaves: ['Cookware', 'Small Appliances', 'Dinnerware', 'Coffee Makers', 'Knives'],
    brands: ['KitchenAid', 'Le Creuset', 'Ninja', 'Keurig', 'Instant Pot', 'Pyrex'],
    medianPrice: 3500,
    sigma: 0.9,
  },
  {
    path: ['Home', 'Home Decor'],
    leaves: ['Candles', 'Wall Art', 'Vases', 'Mirrors', 'Throw Pillows', 'Rugs'],
    brands: ['Pottery Barn', 'West Elm', 'IKEA', 'Bath & Body Works', 'Target'],
    medianPrice: 2500,
    sigma: 0.9,
  },
  {
    path: ['Home', 'Furniture'],
    leaves: ['Chairs', 'Tables', 'Shelves', 'Desks', 'Sofas'],
    brands: ['IKEA', 'West Elm', 'Wayfair', 'Pottery Barn', 'Herman Miller'],
    medianPrice: 12000,
    sigma: 1.0,
  },
  {
    path: ['Kids', 'Toys'],
    leaves: [
      'Building Toys',
      'Dolls & Accessories',
      'Action Figures',
      'Stuffed Animals',
      'Puzzles',
      'Remote Control Toys',
    ],
    brands: ['LEGO', 'Barbie', 'Hasbro', 'Fisher-Price', 'Hot Wheels', 'Melissa & Doug', 'Squishmallows'],
    medianPrice: 2000,
    sigma: 0.9,
  },
  {
    path: ['Kids', 'Girls Clothing'],
    leaves: ['Dresses', 'Tops', 'Outerwear', 'Pajamas'],
    brands: ['Carters', 'Gap Kids', "OshKosh B'gosh", 'Old Navy', 'Janie and Jack'],
    medianPrice: 1200,
    sigma: 0.6,
    sizes: KIDS_SIZES,
  },
  {
    path: ['Kids', 'Boys Clothing'],
    leaves: ['Shirts', 'Pants', 'Outerwear', 'Pajamas'],
    brands: ['Carters', 'Gap Kids', 'Nike', 'Old Navy', 'Under Armour'],
    medianPrice: 1200,
    sigma: 0.6,
    sizes: KIDS_SIZES,
  },
  {
    path: ['Kids', 'Gear'],
    leaves: ['Strollers', 'Car Seats', 'High Chairs', 'Baby Carriers'],
    brands: ['Graco', 'UPPAbaby', 'Chicco', 'Britax', 'Ergobaby'],
    medianPrice: 8000,
    sigma: 0.8,
  },
  {
    path: ['Sports & Outdoors', 'Exercise & Fitness'],
    leaves: ['Yoga Mats', 'Dumbbells', 'Resistance Bands', 'Fitness Trackers', 'Exercise Bikes'],
    brands: ['Lululemon', 'Fitbit', 'Garmin', 'Peloton', 'Bowflex', 'Gaiam'],
    medianPrice: 3500,
    sigma: 1.0,
  },
  {
    path: ['Sports & Outdoors', 'Outdoor Recreation'],
    leaves: ['Tents', 'Backpacks', 'Sleeping Bags', 'Hiking Boots', 'Camping Stoves'],
    brands: ['REI', 'The North Face', 'Coleman', 'Osprey', 'Merrell', 'Yeti'],
    medianPrice: 5000,
    sigma: 0.9,
  },
  {
    path: ['Sports & Outdoors', 'Team Sports'],
    leaves: ['Basketballs', 'Soccer Cleats', 'Baseball Gloves', 'Jerseys', 'Hockey Sticks'],
    brands: ['Nike', 'Adidas', 'Wilson', 'Rawlings', 'Spalding', 'Under Armour'],
    medianPrice: 3000,
    sigma: 0.8,
  },
  {
    path: ['Sports & Outdoors', 'Cycling'],
    leaves: ['Road Bikes', 'Mountain Bikes', 'Bike Helmets', 'Bike Lights'],
    brands: ['Trek', 'Specialized', 'Giant', 'Cannondale', 'Giro'],
    medianPrice: 15000,
    sigma: 1.1,
  },
  {
    path: ['Beauty', 'Makeup'],
    leaves: ['Lipstick', 'Foundation', 'Eyeshadow Palettes', 'Mascara', 'Makeup Brushes'],
    brands: ['MAC', 'Urban Decay', 'Fenty Beauty', 'Too Faced', 'Maybelline', 'NARS'],
    medianPrice: 1500,
    sigma: 0.6,
  },
  {
    path: ['Beauty', 'Skin Care'],
    leaves: ['Moisturizers', 'Cleansers', 'Serums', 'Sunscreen', 'Face Masks'],
    brands: ['CeraVe', 'The Ordinary', 'Clinique', 'Drunk Elephant', 'La Roche-Posay'],
    medianPrice: 1800,
    sigma: 0.6,
  },
  {
    path: ['Beauty', 'Fragrance'],
    leaves: ["Women's Perfume", "Men's Cologne", 'Body Mist'],
    brands: ['Chanel', 'Dior', "Victoria's Secret", 'Calvin Klein', 'Marc Jacobs'],
    medianPrice: 4000,
    sigma: 0.8,
  },
  {
    path: ['Vintage & Collectibles', 'Trading Cards'],
    leaves: ['Pokemon Cards', 'Sports Cards', 'Magic The Gathering', 'Yu-Gi-Oh Cards'],
    brands: ['Pokemon', 'Topps', 'Panini', 'Wizards of the Coast', 'Konami'],
    medianPrice: 1500,
    sigma: 1.4,
  },
  {
    path: ['Vintage & Collectibles', 'Collectibles'],
    leaves: ['Funko Pops', 'Coins', 'Vinyl Records', 'Comic Books', 'Figurines'],
    brands: ['Funko', 'Marvel', 'DC Comics', 'Disney', 'Hallmark'],
    medianPrice: 2000,
    sigma: 1.1,
  },
  {
    path: ['Books & Media', 'Books'],
    leaves: ['Fiction', 'Textbooks', "Children's Books", 'Cookbooks', 'Comics & Graphic Novels'],
    brands: ['Penguin', 'Scholastic', 'HarperCollins', 'Marvel'],
    medianPrice: 900,
    sigma: 0.7,
  },
  {
    path: ['Books & Media', 'Music & Movies'],
    leaves: ['Vinyl', 'CDs', 'DVDs', 'Blu-ray'],
    brands: ['Sony Music', 'Universal', 'Disney', 'Warner Bros'],
    medianPrice: 1200,
    sigma: 0.8,
  },
  {
    path: ['Pet Supplies', 'Dogs'],
    leaves: ['Dog Beds', 'Collars & Leashes', 'Dog Toys', 'Dog Crates'],
    brands: ['Kong', 'Ruffwear', 'Chewy', 'Petmate'],
    medianPrice: 2000,
    sigma: 0.8,
  },
  {
    path: ['Pet Supplies', 'Cats'],
    leaves: ['Cat Trees', 'Cat Toys', 'Litter Boxes', 'Cat Beds'],
    brands: ['Petmate', 'Frisco', 'Catit', 'Kong'],
    medianPrice: 1800,
    sigma: 0.8,
  },
];

export const ADJECTIVES = [
  'vintage',
  'classic',
  'oversized',
  'slim',
  'cozy',
  'lightweight',
  'waterproof',
  'limited edition',
  'retro',
  'soft',
  'sturdy',
  'compact',
  'rare',
  'authentic',
  'handmade',
  'modern',
];
export const COLORS = [
  'black',
  'white',
  'grey',
  'navy',
  'blue',
  'red',
  'green',
  'pink',
  'beige',
  'brown',
  'purple',
  'yellow',
  'silver',
  'gold',
];
export const CONDITION_PHRASES: Record<string, string[]> = {
  new: [
    'Brand new with tags, never worn or used.',
    'New in box, sealed.',
    'Brand new, bought as a gift and never used.',
  ],
  like_new: [
    'Used once or twice, looks brand new.',
    'Excellent condition, barely used.',
    'Like new, no signs of wear.',
  ],
  good: [
    'Gently used with minor signs of wear.',
    'Good condition, some light wear shown in photos.',
    'Used but well cared for.',
  ],
  fair: [
    'Visible wear, still works great.',
    'Fair condition, a few scuffs and marks.',
    'Well loved, priced accordingly.',
  ],
  poor: ['Heavily used, sold as is.', 'For parts or repair.', 'Noticeable damage, see description.'],
};
export const SELLING_PHRASES = [
  'Smoke-free and pet-free home.',
  'Ships within one business day.',
  'Bundle to save on shipping.',
  'Price is firm.',
  'Open to reasonable offers.',
  'Comes from a clean home.',
  'Check my other listings!',
  'Original packaging included.',
];
